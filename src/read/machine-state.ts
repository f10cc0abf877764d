/**
 * The whole machine-state snapshot (shared/cases/README.md): everything the planner decides
 * from, read in one place. Reading is best effort by design: the wrapper must still exec
 * dockerd on a machine where half of these facts are out of reach, so a fact that cannot be
 * read is left out (or null) and the reason goes to `read_errors`, which the planner surfaces
 * as warnings.
 */
import type { MachineState, PmtuProbe, Route } from '../model.js'
import { readConntrack } from '../tools/conntrack.js'
import { configFileFromArgv, configFilePath, readDaemonConfig } from '../dockerd/config-file.js'
import { DOCKERD_VERSION_TIMEOUT_MS, readDockerdVersion } from './dockerd-version.js'
import { readIpBatch, type IpBatch } from './ip-batch.js'
import { readRoutes, readRules } from './routes.js'
import { defaultRunner, type Runner } from '../tools/runner.js'
import { readLinks } from './links.js'
import { readSandbox, type SandboxRead } from './sandbox.js'


export interface ReadMachineStateOptions {
  /** dockerd arguments the wrapper was given, in order (recorded as is; --config-file is honoured). */
  argv: string[]
  /** Environment the wrapper saw (default process.env); filtered, see snapshotEnv. */
  env?: Record<string, string | undefined>
  /** Where interfaces are listed; default /sys/class/net. */
  sysClassNet?: string
  /** procfs net directory for the route fallback; default /proc/net. */
  procNet?: string
  /** Command runner for ip/conntrack/dockerd; default child_process.execFile with bounded timeouts. */
  run?: Runner
  /** Config file to read instead of the one argv names (or /etc/docker/daemon.json). */
  daemonConfigPath?: string
  /** Read conntrack entries (needs conntrack-tools and CAP_NET_ADMIN); default false. */
  withConntrack?: boolean
  /** Run `dockerd --version`; default true. */
  withVersion?: boolean
  /** The engine version when known in advance (--autonet-dockerd-version); recorded as is, no probe. */
  dockerdVersion?: string | null
  /** dockerd program for the version probe; default "dockerd". */
  dockerdCommand?: string
  /** Probe the path MTU to this host (--autonet-probe) after reading links; default none. */
  probeHost?: string | null
  /** The path-MTU prober (tests replace it); default probePathMtu with `run`. */
  probe?: (host: string) => Promise<PmtuProbe>
  /** The environment `dockerd --version` runs with (the start's hand-on environment, handover.ts); default this process's. */
  versionEnv?: Record<string, string>
  /** procfs root for the sandbox markers (src/read/sandbox.ts); default /proc. */
  proc?: string
  /** Effective uid to record; default process.geteuid(). */
  euid?: number | null
  /** Asks rootlesskit's API (tests replace it); default GET /v1/info on its unix socket. */
  rootlesskitInfo?: (socket: string) => Promise<unknown>
  /**
   * When given, the IPv6 policy rules are read after the routes, and only when this says that
   * routes6 makes them matter (the planner's plan/egress.ts hasDefaultLikeRoute); else rules6 is
   * omitted, and the start path saves an `ip` process. Default: read beside the routes, always
   * (a snapshot records every rule).
   */
  ipv6RulesNeeded?: (routes6: Route[]) => boolean
}

/**
 * Reads links, the routes of both families and the IPv4 rules from one `ip -batch` process
 * (ip-batch.ts), the IPv6 rules beside it (or after it, when needed: ipv6RulesNeeded), dockerd's config file, and optionally conntrack
 * entries and dockerd's version, concurrently. Without an answer from the batch, each listing
 * is read on its own, with its fallback: sysfs for links (links.ts), /proc for routes
 * (routes.ts).
 *
 * Never throws for a machine fact: each one that cannot be read is omitted or null and
 * explained in `read_errors`, one line each, prefixed by the snapshot field concerned
 * ("links:", "routes4:", "rules6:", "conntrack:", "dockerd_version:" …; a config-file problem
 * starts "daemon.json:" and names the file and position). `read_errors` is always present.
 *
 * Besides the contract fields the snapshot carries `daemon_json_path`: the file daemon_json
 * came from (or would have), so warnings can name it; and, optional in the contract, `euid`,
 * `rootlesskit` (under rootlesskit only) and `sandbox` (gVisor, Sysbox, Kata; sandbox.ts).
 */
export async function readMachineState(opts: ReadMachineStateOptions): Promise<MachineState> {
  const run = opts.run ?? defaultRunner
  const argv = [...opts.argv]
  const configPath = opts.daemonConfigPath ?? configFilePath(argv)
  const explicitConfig = opts.daemonConfigPath === undefined && configFileFromArgv(argv) !== null
  const unexpected: string[] = []
  const guard = guardInto(unexpected)

  const env = opts.env ?? process.env
  const noSandbox: SandboxRead = { euid: null, rootlesskit: null, sandbox: null, errors: [] }
  // Two `ip` processes: the batch (links, routes, IPv4 rules) and the IPv6 rules. When the
  // batch gives no answer, each listing on its own, each guarded, each with its fallback.
  const listings = async (): Promise<IpBatch> => {
    // A throw here is a bug of ours, not a machine fact: said under its own name, then each alone.
    const batch = await guard('ip_batch', () => readIpBatch(run, opts.sysClassNet), null)
    if (batch) return batch
    const [links, routes4, rules4, routes6] = await Promise.all([
      guard('links', () => readLinks(run, opts.sysClassNet), { links: [], errors: [] }),
      guard('routes4', () => readRoutes(4, run, opts.procNet), { routes: [], errors: [] }),
      guard('rules4', () => readRules(4, run), { rules: null, errors: [] }),
      guard('routes6', () => readRoutes(6, run, opts.procNet), { routes: [], errors: [] }),
    ])
    return { links, routes4, rules4, routes6 }
  }
  const readRules6 = () => guard('rules6', () => readRules(6, run), { rules: null, errors: [] })
  const listingsAndRules6 = async (): Promise<[IpBatch, Awaited<ReturnType<typeof readRules6>>]> => {
    const needed = opts.ipv6RulesNeeded
    if (!needed) return Promise.all([listings(), readRules6()])
    // On an IPv4-only machine (most CI pods) one process fewer.
    const batch = await listings()
    return [batch, needed(batch.routes6.routes) ? await readRules6() : { rules: null, errors: [] }]
  }
  const [[{ links, routes4, rules4, routes6 }, rules6], daemon, conntrack, version, where] = await Promise.all([
    listingsAndRules6(),
    guard('daemon.json', () => readDaemonConfig(configPath, { explicit: explicitConfig }), { config: null, path: configPath, error: null }),
    opts.withConntrack
      ? guard('conntrack', () => readConntrack(run), { entries: null, errors: [] })
      : Promise.resolve(null),
    opts.dockerdVersion
      ? Promise.resolve(opts.dockerdVersion)
      : opts.withVersion === false
      ? Promise.resolve(undefined)
      : guard('dockerd_version', () => readDockerdVersion(opts.dockerdCommand ?? 'dockerd', DOCKERD_VERSION_TIMEOUT_MS, opts.run, opts.versionEnv), null),
    guard('sandbox', () => readSandbox({ proc: opts.proc, env, euid: opts.euid, rootlesskitInfo: opts.rootlesskitInfo }), noSandbox),
  ])

  const readErrors = [
    ...links.errors,
    ...routes4.errors,
    ...routes6.errors,
    ...rules4.errors,
    ...rules6.errors,
    ...(daemon.error ? [daemon.error] : []),
    ...(conntrack?.errors ?? []),
    ...where.errors,
    ...unexpected,
  ]
  // A version given in advance is a string; a probe answers { version, problem }; null: the probe threw.
  const probed = typeof version === 'object' ? version : null
  const dockerdVersion = typeof version === 'string' ? version : probed?.version ?? (version === undefined ? undefined : null)
  if (dockerdVersion === null) {
    const why = probed?.problem ? `: ${probed.problem}` : ''
    readErrors.push(`dockerd_version: no version from \`${opts.dockerdCommand ?? 'dockerd'} --version\`${why}; dockerd version unknown`)
  }

  const state: MachineState = {
    links: links.links,
    routes4: routes4.routes,
    routes6: routes6.routes,
    daemon_json: daemon.config,
    daemon_json_path: daemon.path,
    argv,
    env: snapshotEnv(env),
    read_errors: readErrors,
  }
  if (where.euid !== null) state.euid = where.euid
  if (where.rootlesskit) state.rootlesskit = where.rootlesskit
  if (where.sandbox) state.sandbox = where.sandbox
  if (rules4.rules) state.rules4 = rules4.rules
  if (rules6.rules) state.rules6 = rules6.rules
  if (conntrack?.entries) state.conntrack = conntrack.entries
  if (dockerdVersion !== undefined) state.dockerd_version = dockerdVersion
  if (opts.probeHost) {
    // After the rest: the probe sends packets and takes seconds; nothing else waits on it.
    // The probe is opt-in: its module is loaded only when asked for.
    const probePath = opts.probe ?? (async (h: string) => (await import('./pmtu-probe.js')).probePathMtu(h, { run: opts.run, sysClassNet: opts.sysClassNet }))
    const probe = await guard('pmtu_probe', () => probePath(opts.probeHost!), null)
    if (probe) {
      state.pmtu_probe = probe
      if (probe.mtu === null) readErrors.push(`pmtu_probe: ${probe.note ?? 'no result'}; keeping the egress MTU`)
    } else {
      readErrors.push(...unexpected.filter((e) => e.startsWith('pmtu_probe:') && !readErrors.includes(e)))
    }
  }
  return state
}

/**
 * The part of the environment a snapshot records: variables named DOCKERD_* (ours,
 * DOCKERD_AUTONET_*, and dockerd-rootless' DOCKERD_ROOTLESS_ROOTLESSKIT_MTU…) plus DOCKER_HOST
 * and DOCKER_TLS_CERTDIR, which the docker:dind entrypoint turns into dockerd flags. Nothing
 * else: snapshots get pasted into bug reports, and CI environments hold secrets
 * (DOCKER_AUTH_CONFIG, tokens).
 */
export function snapshotEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue
    if (k.startsWith('DOCKERD_') || k === 'DOCKER_HOST' || k === 'DOCKER_TLS_CERTDIR') out[k] = v
  }
  // Code-unit order, as the kernel and sysfs list names: the same on every machine whatever its
  // locale, and no ICU collator to set up on the start path.
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * Wraps a reader so that an exception from it (a bug, not a machine fact: readers report those
 * in their results) becomes a line in `sink` and the fallback value, and one broken reader
 * cannot take the snapshot down with it.
 */
function guardInto(sink: string[]) {
  return async <T>(label: string, read: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read()
    } catch (e) {
      sink.push(`${label}: unexpected error while reading: ${(e as Error)?.message ?? String(e)}`)
      return fallback
    }
  }
}
