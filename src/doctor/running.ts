/**
 * The dockerd processes running in this network namespace, read from /proc: their argv
 * (/proc/PID/cmdline), start time, config file and API.
 *
 * /proc lists every process of the pid namespace, which in a pod, a dind container started
 * with --pid=host, or an `nsenter -n` session includes other namespaces' daemons; only those
 * whose /proc/PID/ns/net is ours count. A daemon in another mount namespace (we entered only
 * its network namespace) is read through /proc/PID/root, so its config file and socket are the
 * ones it sees.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'
import { configFileFromArgv, configFilePath, readDaemonConfig } from '../dockerd/config-file.js'
import { dockerApiSocket } from '../dockerd/engine-api.js'
import { readDockerApi } from './api-facts.js'
import type { DockerApiFacts, RunningDockerd } from './types.js'

export interface ReadRunningOptions {
  /** procfs root; default /proc. */
  proc?: string
  /** Bound for each API request; default 3000 ms. */
  apiTimeoutMs?: number
  /** Replaces the API reader (tests). */
  readApi?: (socketPath: string | null, shownAs: string | null) => Promise<DockerApiFacts>
}

/** Linux USER_HZ: /proc/PID/stat counts start time in these ticks (100 on every mainstream architecture). */
const USER_HZ = 100

/**
 * Every dockerd of this network namespace, by pid. Never throws: what cannot be read is
 * reported in `errors` (no /proc, our own namespace unreadable) or in the daemon's fields.
 */
export async function readRunningDockerds(opts: ReadRunningOptions = {}): Promise<{ dockerds: RunningDockerd[], errors: string[] }> {
  const proc = opts.proc ?? '/proc'
  const errors: string[] = []
  let selfNet: string, selfMnt: string | null
  try {
    selfNet = await readlink(`${proc}/self/ns/net`)
    selfMnt = await readlink(`${proc}/self/ns/mnt`).catch(() => null)
  } catch (e) {
    return { dockerds: [], errors: [`dockerd: cannot read our network namespace (${proc}/self/ns/net): ${(e as Error).message}`] }
  }
  let pids: number[]
  try {
    pids = (await readdir(proc)).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b)
  } catch (e) {
    return { dockerds: [], errors: [`dockerd: cannot list processes in ${proc}: ${(e as Error).message}`] }
  }
  const btime = await bootTime(proc)
  const found: RunningDockerd[] = []
  for (const pid of pids) {
    const comm = await readText(`${proc}/${pid}/comm`)
    if (comm?.trim() !== 'dockerd') continue
    const net = await readlink(`${proc}/${pid}/ns/net`).catch(() => null)
    if (net === null) { errors.push(`dockerd: pid ${pid}: cannot read its network namespace (not root?)`); continue }
    if (net !== selfNet) continue
    const cmdline = await readText(`${proc}/${pid}/cmdline`)
    if (cmdline === null) continue // exited meanwhile
    const [command = 'dockerd', ...argv] = splitCmdline(cmdline)
    const mnt = await readlink(`${proc}/${pid}/ns/mnt`).catch(() => null)
    // Files and sockets as this dockerd sees them.
    const root = mnt !== null && mnt === selfMnt ? '' : `${proc}/${pid}/root`
    const configPath = configFilePath(argv)
    const seenPath = configPath === '' ? '' : configPath.startsWith('/') ? `${root}${configPath}` : `${proc}/${pid}/cwd/${configPath}`
    const config = await readDaemonConfig(seenPath, { explicit: configFileFromArgv(argv) !== null })
    // Its API socket by dockerApiSocket's rule; none (tcp:// only) is reported as such by readApi.
    const where = dockerApiSocket(argv, config.config)
    const socket = 'path' in where ? where.path : null
    const readApi = opts.readApi ?? ((p, shown) => readDockerApi(p, shown, opts.apiTimeoutMs ?? 3000))
    found.push({
      pid,
      command,
      argv,
      started_at: await startedAt(proc, pid, btime),
      via_wrapper: await spawnedByWrapper(proc, pid),
      daemon_json: config.config,
      daemon_json_path: configPath,
      daemon_json_error: config.error ? config.error.split(seenPath).join(configPath) : null,
      api: await readApi(socket ? `${root}${socket}` : null, socket),
    })
  }
  return { dockerds: found, errors }
}

/** A NUL-separated /proc/PID/cmdline as words. */
export function splitCmdline(text: string): string[] {
  const words = text.split('\0')
  if (words.length > 0 && words[words.length - 1] === '') words.pop()
  return words
}

async function readText(path: string): Promise<string | null> {
  try { return await readFile(path, 'utf8') } catch { return null }
}

async function bootTime(proc: string): Promise<number | null> {
  const m = /^btime (\d+)$/m.exec((await readText(`${proc}/stat`)) ?? '')
  return m ? Number(m[1]) : null
}

/** Start time from field 22 of /proc/PID/stat (ticks after boot), as ISO 8601. */
async function startedAt(proc: string, pid: number, btime: number | null): Promise<string | null> {
  const stat = await readText(`${proc}/${pid}/stat`)
  if (!stat || btime === null) return null
  // comm (field 2) may contain spaces and parentheses: fields after the last ')' start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[22 - 3])
  if (!Number.isFinite(ticks)) return null
  return new Date((btime + ticks / USER_HZ) * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
}

/** True when an ancestor (up to three levels) runs dockerd-autonet: it spawned dockerd and forwards signals. */
async function spawnedByWrapper(proc: string, pid: number): Promise<boolean> {
  let current = pid
  for (let i = 0; i < 3; i++) {
    const m = /^PPid:\s*(\d+)$/m.exec((await readText(`${proc}/${current}/status`)) ?? '')
    const parent = m ? Number(m[1]) : 0
    if (parent <= 1) return false
    if (((await readText(`${proc}/${parent}/cmdline`)) ?? '').includes('dockerd-autonet')) return true
    current = parent
  }
  return false
}
