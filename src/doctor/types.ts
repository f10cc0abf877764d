/**
 * What `dockerd-autonet doctor` knows about the dockerd processes already running in this
 * network namespace, and what it reports about them. The reader (running.ts) fills
 * `RunningDockerd`; the pure `diagnose()` (diagnose.ts) turns it and a MachineState into
 * findings. Field names are snake_case: `doctor --json` prints them as they are.
 */
import type { DaemonJson } from '../dockerd/config-file.js'
import type { ContainerInfo, NetworkInfo } from '../dockerd/engine-objects.js'

export type { ContainerInfo, NetworkInfo } from '../dockerd/engine-objects.js'

/** What the daemon's API told us, or why it could not be asked. */
export interface DockerApiFacts {
  /** Unix socket asked (as the daemon names it); null when it listens on none we can use. */
  socket: string | null
  /** Why containers/networks are unknown; null when both were read. */
  error: string | null
  /**
   * Set when the daemon accepted the connection but did not answer within this many ms
   * (ApiTooSlowError): it runs, and is too slow or stuck; absent for every other error.
   */
  timed_out_after_ms?: number
  containers: ContainerInfo[] | null
  networks: NetworkInfo[] | null
}

/** A dockerd process of this network namespace, as /proc and its API show it. */
export interface RunningDockerd {
  pid: number
  /** argv[0] as the process shows it. */
  command: string
  /** Its arguments (argv[1..]) from /proc/PID/cmdline, in order. */
  argv: string[]
  /** Start time (ISO 8601), from /proc/PID/stat; null when unreadable. */
  started_at: string | null
  /** A parent process is dockerd-autonet (the wrapper spawned it and stayed as its parent). */
  via_wrapper: boolean
  /** The daemon config file it reads, as it is now (null: absent or unusable). */
  daemon_json: DaemonJson | null
  /** That file's path as dockerd names it (its --config-file, else /etc/docker/daemon.json). */
  daemon_json_path: string
  /** Why the config file could not be used; null when fine or absent. */
  daemon_json_error: string | null
  api: DockerApiFacts
}

/**
 * How bad a finding is. `problem` means something is broken now or will break (exit 1);
 * `unknown` means an essential check could not be made (exit 2 when there is no problem).
 */
export type Severity = 'ok' | 'info' | 'warn' | 'problem' | 'unknown'

/** Which check produced a finding. */
export type Check =
  | 'links' | 'egress' | 'dockerd' | 'mtu' | 'drift' | 'network' | 'bridge' | 'port' | 'bridge-mac'
  | 'conntrack' | 'config-conflict' | 'api' | 'read'

/** One line of the doctor's report. */
export interface Finding {
  check: Check
  severity: Severity
  /** What it is about: an interface, "dockerd pid N", "conntrack". */
  subject: string
  /** The MTU in bytes that the finding is about, when there is one. */
  mtu?: number | null
  message: string
  /** What to do about it; null when nothing needs doing. */
  fix: string | null
  /** Machine-readable details for --json (pids, ids, values compared). */
  data?: Record<string, unknown>
}
