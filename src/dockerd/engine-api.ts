/**
 * The one Docker Engine API client, on dockerd's unix socket with Node's http client (no docker
 * CLI needed, which dind sidecars and hosts may lack): where dockerd serves it, plain GET
 * requests, and the calls we make (ping, containers, networks, inspect, container start events).
 * Unversioned paths: the daemon answers them with its own API version (Docker Engine API
 * reference, "Versioning"). Used by doctor (containers, networks) and the conntrack watch
 * (ping, inspect, events).
 */
import type { IncomingMessage } from 'node:http'
import type { DaemonJson } from './config-file.js'
import { resolveSettings } from './settings.js'

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
export function dockerApiSocket(argv: readonly string[], daemonJson: DaemonJson | null): { path: string } | { skip: string } {
  const { hosts } = resolveSettings(argv, daemonJson)
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
  /**
   * Bound on the whole request, connect to last byte, for calls that read the whole body
   * (getText, getJson); default twice timeoutMs. A daemon that trickles one byte a second is
   * never silent, so only this ends the wait.
   */
  deadlineMs?: number
  /** Aborts the request (and a response being read). */
  signal?: AbortSignal
}

/**
 * The daemon accepted the connection (the socket is served: dockerd runs) but did not answer
 * within `afterMs` ms, silent or too slow to finish: busy or stuck, not absent. Other failures
 * (no socket, refused, permission, HTTP errors) are plain Errors.
 */
export class ApiTooSlowError extends Error {
  constructor(message: string, readonly afterMs: number) {
    super(message)
    this.name = 'ApiTooSlowError'
  }
}

/** Largest body getText reads (bytes); the list of a host's containers and networks fits well inside. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024

/**
 * GET `path` on the daemon at unix socket `socketPath`; resolves with the response as soon as
 * its head arrives, whatever the status (the caller reads, checks or discards the body).
 * Rejects when it cannot connect, on abort, or when the daemon is silent for `timeoutMs`
 * (an {@link ApiTooSlowError} once the connection was accepted).
 */
export async function openGet(socketPath: string, path: string, opts: ApiRequestOptions = {}): Promise<IncomingMessage> {
  const timeoutMs = opts.timeoutMs ?? 3000
  // Loaded when first used: node:http costs milliseconds at every dockerd start that never asks the API.
  const { request } = await import('node:http')
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', headers: { host: 'docker' }, signal: opts.signal, timeout: timeoutMs }, resolve)
    let connected = false
    req.on('socket', (socket) => {
      if (!socket.connecting) connected = true
      else socket.once('connect', () => { connected = true })
    })
    req.on('timeout', () => {
      const message = `GET ${path}: no answer within ${timeoutMs} ms`
      req.destroy(connected ? new ApiTooSlowError(message, timeoutMs) : new Error(message))
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * GET `path` and its whole body as text. Rejects as {@link openGet} does, on a non-2xx status,
 * when the whole answer has not arrived within `deadlineMs` ("GET PATH: answer not complete
 * within N ms", an {@link ApiTooSlowError} once its head came), and when the body exceeds
 * {@link MAX_BODY_BYTES} ("answer larger than …").
 */
export async function getText(socketPath: string, path: string, opts: ApiRequestOptions = {}): Promise<string> {
  const deadlineMs = opts.deadlineMs ?? 2 * (opts.timeoutMs ?? 3000)
  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(), deadlineMs)
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal
  let answering = false
  try {
    const res = await openGet(socketPath, path, { timeoutMs: opts.timeoutMs, signal })
    answering = true
    const chunks: Buffer[] = []
    let size = 0
    for await (const c of res) {
      size += (c as Buffer).length
      if (size > MAX_BODY_BYTES) {
        res.destroy()
        throw new Error(`GET ${path}: answer larger than ${MAX_BODY_BYTES} bytes; not read`)
      }
      chunks.push(c as Buffer)
    }
    const body = Buffer.concat(chunks).toString('utf8')
    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) throw new Error(`GET ${path}: HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}`)
    return body
  } catch (e) {
    if (deadline.signal.aborted && !opts.signal?.aborted) {
      const message = `GET ${path}: answer not complete within ${deadlineMs} ms`
      throw answering ? new ApiTooSlowError(message, deadlineMs) : new Error(message)
    }
    throw e
  } finally {
    clearTimeout(timer)
  }
}

/** GET `path` as JSON; rejects as {@link getText} does, and when the body is not JSON. */
export async function getJson(socketPath: string, path: string, opts: ApiRequestOptions = {}): Promise<unknown> {
  const body = await getText(socketPath, path, opts)
  try { return JSON.parse(body) } catch (e) { throw new Error(`GET ${path}: not JSON (${(e as Error).message})`) }
}

/** The calls we make to a daemon; tests give a fake. */
export interface EngineApi {
  /** True when dockerd answers GET /_ping. */
  ping(): Promise<boolean>
  /**
   * Streams container start events since `since` (unix seconds) to `onEvent` until the stream
   * ends (dockerd stopped) or `signal` aborts; rejects when it cannot connect.
   */
  startEvents(since: number, onEvent: (e: { id: string, time: number, timeNano?: number }) => void, signal: AbortSignal): Promise<void>
  /** GET /containers/ID/json; rejects when it fails. */
  inspect(id: string): Promise<unknown>
  /** GET /containers/json (running containers), as the daemon answers it; rejects when it fails. */
  containers(): Promise<unknown>
  /** GET /networks, as the daemon answers it; rejects when it fails. */
  networks(): Promise<unknown>
}

/**
 * The Engine API over a unix socket (unversioned paths: dockerd serves its current version).
 * `timeoutMs` bounds each silence; every call but the event stream is answered whole within
 * `deadlineMs` (default twice timeoutMs) or rejects.
 */
export function engineApi(socketPath: string, timeoutMs = 5_000, deadlineMs = 2 * timeoutMs): EngineApi {
  const o = { timeoutMs, deadlineMs }
  return {
    ping: () => getText(socketPath, '/_ping', o).then(() => true, () => false),
    inspect: (id) => getJson(socketPath, `/containers/${encodeURIComponent(id)}/json`, o),
    containers: () => getJson(socketPath, '/containers/json', o),
    networks: () => getJson(socketPath, '/networks', o),
    startEvents: async (since, onEvent, signal) => {
      const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start'] }))
      const res = await openGet(socketPath, `/events?since=${since}&filters=${filters}`, { timeoutMs, signal })
      if ((res.statusCode ?? 0) >= 300) { res.resume(); throw new Error(`GET /events: HTTP ${res.statusCode}`) }
      // The stream idles between events: only the connection timeout applies, not an idle one.
      res.socket?.setTimeout(0)
      let buf = ''
      try {
        for await (const chunk of res) {
          buf += (chunk as Buffer).toString('utf8')
          let nl: number
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim()
            buf = buf.slice(nl + 1)
            if (!line) continue
            const e = JSON.parse(line) as { id?: string, Actor?: { ID?: string }, time?: number, timeNano?: number }
            const id = e.id ?? e.Actor?.ID
            if (id) onEvent({ id, time: e.time ?? 0, timeNano: e.timeNano })
          }
        }
      } catch (err) {
        if (!signal.aborted) throw err
      }
    },
  }
}
