/**
 * The Docker Engine API on dockerd's unix socket, with Node's http client (no docker CLI needed,
 * which dind sidecars and hosts may lack): where dockerd serves it, and plain GET requests.
 * Unversioned paths: the daemon answers them with its own API version (Docker Engine API
 * reference, "Versioning"). Used by doctor (containers, networks) and the conntrack watch
 * (ping, inspect, and the event stream, which it reads itself from {@link openGet}).
 */
import { request, type IncomingMessage } from 'node:http'
import { flagValues, parseDockerdFlags } from '../plan/dockerd-argv.js'

/** Where dockerd listens when nothing says otherwise (moby: DefaultUnixSocket); also what `fd://` stands for. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock'

/**
 * The unix socket dockerd serves its API on, by one rule:
 *  - the hosts are the -H/--host flags (argv); only when there are none, daemon.json "hosts";
 *  - no host at all: the default socket, {@link DEFAULT_DOCKER_SOCKET};
 *  - else the first host that is `unix://PATH` (`unix://` alone: the default socket) or a bare
 *    path (dockerd takes `/PATH` as a unix socket too);
 *  - else, when one is `fd://` (systemd socket activation): the default socket, as docker.socket
 *    defines it;
 *  - else (tcp:// only): none, with the reason.
 */
export function dockerApiSocket(argv: readonly string[], daemonJson: Record<string, unknown> | null): { path: string } | { skip: string } {
  let hosts = flagValues(parseDockerdFlags(argv), 'host')
  if (hosts.length === 0 && Array.isArray(daemonJson?.hosts)) hosts = (daemonJson.hosts as unknown[]).filter((h): h is string => typeof h === 'string')
  if (hosts.length === 0) return { path: DEFAULT_DOCKER_SOCKET }
  for (const h of hosts) {
    if (h.startsWith('unix://')) return { path: h.slice('unix://'.length) || DEFAULT_DOCKER_SOCKET }
    if (h.startsWith('/')) return { path: h }
  }
  if (hosts.some((h) => h.startsWith('fd://'))) return { path: DEFAULT_DOCKER_SOCKET }
  return { skip: `dockerd listens on no unix socket (${hosts.join(', ')})` }
}

export interface ApiRequestOptions {
  /** Bound on connecting and on each silence of the connection; default 3000 ms. */
  timeoutMs?: number
  /** Aborts the request (and a response being read). */
  signal?: AbortSignal
}

/**
 * GET `path` on the daemon at unix socket `socketPath`; resolves with the response as soon as
 * its head arrives, whatever the status (the caller reads, checks or discards the body).
 * Rejects when it cannot connect, on abort, or when the daemon is silent for `timeoutMs`.
 */
export function openGet(socketPath: string, path: string, opts: ApiRequestOptions = {}): Promise<IncomingMessage> {
  const timeoutMs = opts.timeoutMs ?? 3000
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { host: 'docker' }, signal: opts.signal, timeout: timeoutMs }, resolve)
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}

/** GET `path` and its whole body as text; rejects as {@link openGet} does, and on a non-2xx status. */
export async function getText(socketPath: string, path: string, opts: ApiRequestOptions = {}): Promise<string> {
  const res = await openGet(socketPath, path, opts)
  const chunks: Buffer[] = []
  for await (const c of res) chunks.push(c as Buffer)
  const body = Buffer.concat(chunks).toString('utf8')
  if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) throw new Error(`GET ${path}: HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}`)
  return body
}

/** GET `path` as JSON; rejects as {@link getText} does, and when the body is not JSON. */
export async function getJson(socketPath: string, path: string, opts: ApiRequestOptions = {}): Promise<unknown> {
  const body = await getText(socketPath, path, opts)
  try { return JSON.parse(body) } catch (e) { throw new Error(`GET ${path}: not JSON (${(e as Error).message})`) }
}
