/**
 * Where the wrapper runs, as cheap, documented markers show it: under rootlesskit (and with
 * which network driver), as which uid, inside gVisor, Sysbox or Kata. Each marker costs one
 * small read from procfs or one bounded request on a local socket; none changes anything.
 *
 * Markers and sources:
 * - rootlesskit: ROOTLESSKIT_STATE_DIR in the environment (set for its child; rootlesskit
 *   cmd/rootlesskit/main.go, and moby's RunningWithRootlessKit); its driver from its REST API,
 *   GET /v1/info on $ROOTLESSKIT_STATE_DIR/api.sock, `networkDriver.driver` (rootlesskit
 *   docs/api.md, pkg/api/openapi.yaml: "Empty when --net=host").
 * - gVisor: /proc/gvisor exists when runsc runs with --gvisor-marker-file (gVisor
 *   pkg/gvisordetect), else /proc/version carries gVisor's fixed build string "#1 SMP Sun Jan 10
 *   15:06:54 PST 2016" (gVisor pkg/sentry/kernel/version: LinuxVersion; the release it
 *   advertises changed, 4.4.0 then 4.19.0-gvisor, that string did not).
 * - Sysbox: sysbox-fs mounts its FUSE file system, named "sysboxfs", over parts of /proc and
 *   /sys of the system container (nestybox/sysbox-fs: fuse.FSName("sysboxfs")), so
 *   /proc/self/mountinfo shows a mount whose source is "sysboxfs".
 * - Kata Containers: the guest mounts the host's shared directory by the virtio-fs (or 9p) tag
 *   "kataShared" (kata-containers runtime and agent: the shared-fs mount tag), so a mount with
 *   that source appears in /proc/self/mountinfo.
 */
import { exists, readText } from '../files.js'
import { getJson } from '../dockerd/engine-api.js'
import type { RootlessKitFacts, SandboxFacts } from '../model.js'

/** gVisor's /proc/version build string (pkg/sentry/kernel/version.LinuxVersion). */
export const GVISOR_VERSION_STRING = '#1 SMP Sun Jan 10 15:06:54 PST 2016'

export interface ReadSandboxOptions {
  /** procfs root; default /proc. */
  proc?: string
  /** The environment the wrapper saw (ROOTLESSKIT_STATE_DIR). */
  env: Record<string, string | undefined>
  /** Effective uid; default process.geteuid(). */
  euid?: number | null
  /** Asks rootlesskit's API (GET /v1/info on the socket); default the unix-socket client, bounded by `timeoutMs`. */
  rootlesskitInfo?: (socket: string) => Promise<unknown>
  /** Bound on the rootlesskit request in ms; default 1000. */
  timeoutMs?: number
}

export interface SandboxRead {
  euid: number | null
  /** Present under rootlesskit only. */
  rootlesskit: RootlessKitFacts | null
  sandbox: SandboxFacts | null
  /** What could not be read, each line prefixed by its snapshot field ("rootlesskit: …"). */
  errors: string[]
}

/** Reads the markers above; never throws (a marker that cannot be read is absent, or a line in `errors`). */
export async function readSandbox(opts: ReadSandboxOptions): Promise<SandboxRead> {
  const proc = opts.proc ?? '/proc'
  const errors: string[] = []
  const euid = opts.euid !== undefined ? opts.euid : typeof process.geteuid === 'function' ? process.geteuid() : null
  const [rootlesskit, sandbox] = await Promise.all([readRootlessKit(opts, errors), detectSandbox(proc)])
  return { euid, rootlesskit, sandbox, errors }
}

async function readRootlessKit(opts: ReadSandboxOptions, errors: string[]): Promise<RootlessKitFacts | null> {
  const dir = opts.env.ROOTLESSKIT_STATE_DIR
  if (!dir) return null
  const socket = `${dir.replace(/\/+$/, '')}/api.sock`
  const ask = opts.rootlesskitInfo ?? ((s: string) => getJson(s, '/v1/info', { timeoutMs: opts.timeoutMs ?? 1000 }))
  try {
    return { net: rootlesskitDriver(await ask(socket)) }
  } catch (e) {
    errors.push(`rootlesskit: could not ask its API on ${socket}: ${(e as Error).message}; network driver unknown`)
    return { net: null }
  }
}

/** `networkDriver.driver` of a rootlesskit GET /v1/info answer ("" for --net=host); null when the answer has none. */
export function rootlesskitDriver(info: unknown): string | null {
  const d = (info as { networkDriver?: { driver?: unknown } } | null)?.networkDriver?.driver
  return typeof d === 'string' ? d : null
}

/** The first sandbox marker found under `proc`, gVisor's first; null when none. */
export async function detectSandbox(proc: string): Promise<SandboxFacts | null> {
  if (await exists(`${proc}/gvisor`)) return { kind: 'gvisor', evidence: `${proc}/gvisor exists (runsc --gvisor-marker-file)` }
  const version = await readText(`${proc}/version`).catch(() => '')
  if (version.includes(GVISOR_VERSION_STRING)) return { kind: 'gvisor', evidence: `${proc}/version has gVisor's fixed build string "${GVISOR_VERSION_STRING}"` }
  const mounts = await readText(`${proc}/self/mountinfo`).catch(() => '')
  return sandboxFromMountinfo(mounts, `${proc}/self/mountinfo`)
}

/**
 * Sysbox or Kata from /proc/self/mountinfo text (proc(5): fields after the " - " separator are
 * the file system type, the mount source and the super-block options); null when neither.
 */
export function sandboxFromMountinfo(text: string, where = '/proc/self/mountinfo'): SandboxFacts | null {
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ')
    if (sep === -1) continue
    const [fstype = '', source = ''] = line.slice(sep + 3).split(' ')
    const mountPoint = line.slice(0, sep).split(' ')[4] ?? '?'
    if (source === 'sysboxfs') return { kind: 'sysbox', evidence: `${where}: sysbox-fs (${fstype}, source sysboxfs) mounted on ${mountPoint}` }
    if (source === 'kataShared') return { kind: 'kata', evidence: `${where}: the Kata shared file system (${fstype}, tag kataShared) mounted on ${mountPoint}` }
  }
  return null
}
