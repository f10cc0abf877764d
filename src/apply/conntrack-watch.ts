/**
 * The conntrack watch (opt-in, `--autonet-conntrack-watch`): while dockerd runs, follow its
 * container starts and, for each published UDP port of the new container, delete the conntrack
 * entries that bypass the DNAT dockerd just added for it.
 *
 * Why: a sender that keeps transmitting to a published UDP port while no container publishes it
 * (the container is being replaced) creates an entry with no translation (orig dst = this host,
 * reply src = this host, UNREPLIED). conntrack decides NAT once per flow, so when the new
 * container comes up every later packet of that sender still matches the untranslated entry and
 * is delivered to the host's own stack (port unreachable), for as long as the sender keeps the
 * entry alive (docker/for-linux#156, moby#8795). Docker Engine 20.10 clears only entries of the
 * *removed* container's address (RevokeExternalConnectivity → clearEndpointConnections); moby#44742
 * (Engine 23.0, backport #44752) added a flush of published UDP ports at endpoint set-up, which
 * filters on the container port instead of the host port in later releases (moby#53384). The
 * start-time clean-up of the plan (`conntrack-delete`) cannot help here: it runs once, before dockerd.
 *
 * What is deleted, per published UDP port of the started container: UDP entries whose original
 * destination port is the *host* port (which may differ from the container port, moby#53384),
 * whose original destination is the published host address (any local address for 0.0.0.0/::),
 * and whose reply source is not one of the new container's addresses, i.e. that were not
 * translated to it. Deleting is safe: the next packet creates a fresh entry through the NAT table.
 *
 * How: the Engine API on dockerd's unix socket (src/dockerd/engine-api.ts: which socket, and the requests;
 * GET /events with filters, GET /containers/ID/json),
 * the same data `docker events --filter type=container --filter event=start` and `docker inspect`
 * print, without needing the docker CLI next to dockerd. The watch needs a resident process, so
 * with it on the wrapper stays dockerd's parent (spawn path) even where Node has process.execve.
 */
import type { Logger } from '../log.js'
import type { ConntrackEntry } from '../model.js'
import { ConntrackUnusableError, conntrackDeleteArgs, conntrackUnusable, parseConntrackList } from '../tools/conntrack.js'
import { type EngineApi, engineApi } from '../dockerd/engine-api.js'
import { containerAddresses, type PublishedUdpPort, publishedUdpPorts } from '../dockerd/engine-objects.js'
import { defaultRunner, describeFailure, type Runner } from '../tools/runner.js'
import { readIpAddrs } from '../tools/iproute2.js'
import { addressToBigInt } from '../net/prefix.js'

/** Comparable form of an address ("4:…"/"6:…"), so ::ffff-free spellings of one IPv6 address match. */
function addrKey(a: string): string {
  try {
    const { family, value } = addressToBigInt(a)
    return `${family}:${value}`
  } catch {
    return a.toLowerCase()
  }
}

/**
 * The entries that bypass the DNAT of `ports` to the container at `containerIps`.
 * @param localAddrs this host's addresses; null when unknown (then any destination counts).
 */
export function bypassingEntries(entries: ConntrackEntry[], ports: PublishedUdpPort[], containerIps: string[], localAddrs: string[] | null): ConntrackEntry[] {
  const mine = new Set(containerIps.map(addrKey))
  const local = localAddrs ? new Set(localAddrs.map(addrKey)) : null
  return entries.filter((e) => e.proto === 'udp' && ports.some((p) =>
    e.orig.dport === p.hostPort &&
    (p.hostIp ? addrKey(e.orig.dst) === addrKey(p.hostIp) : !local || local.has(addrKey(e.orig.dst))) &&
    !mine.has(addrKey(e.reply.src))))
}

/** One line naming an entry for the log: `10.0.0.2:40514 -> 10.0.0.1:5514 (reply from 10.0.0.1)`. */
function describeEntry(e: ConntrackEntry): string {
  return `${e.orig.src}:${e.orig.sport ?? '?'} -> ${e.orig.dst}:${e.orig.dport ?? '?'} (reply from ${e.reply.src})`
}

/**
 * For one started container: list the UDP entries of its published host ports, delete those
 * that bypass its DNAT (each by its original tuple and reply source, so an entry that was
 * meanwhile replaced by a translated one is left alone).
 * @returns how many entries were deleted.
 * @throws Error when conntrack cannot be run at all (not installed, no CAP_NET_ADMIN).
 */
export async function clearBypassingEntries(inspect: unknown, run: Runner, log: Logger): Promise<number> {
  const ports = publishedUdpPorts(inspect)
  const info = inspect as { Id?: string, Name?: string }
  const who = `container ${(info?.Id ?? '?').slice(0, 12)}${info?.Name ? ` (${info.Name.replace(/^\//, '')})` : ''}`
  if (ports.length === 0) { log.debug(`conntrack watch: ${who} publishes no UDP port`); return 0 }
  const ips = containerAddresses(inspect)
  const addrs = await readIpAddrs(run)
  const local = addrs.addrs ? [...addrs.addrs.values()].flat().map((c) => c.split('/')[0]) : null
  if (!local) log.warn(`conntrack watch: ${addrs.errors.join('; ')}; matching published ports on any destination`)
  const entries: ConntrackEntry[] = []
  for (const port of [...new Set(ports.map((p) => p.hostPort))]) {
    for (const family of ['ipv4', 'ipv6']) {
      const args = ['-L', '-f', family, '-p', 'udp', '--orig-port-dst', String(port)]
      const r = await run('conntrack', args)
      if (conntrackUnusable(r)) throw new ConntrackUnusableError(`conntrack watch: ${describeFailure('conntrack', args, r)}`)
      if (r.exitCode === 0) for (const e of parseConntrackList(r.stdout)) entries.push(e)
    }
  }
  const stale = bypassingEntries(entries, ports, ips, local)
  const published = ports.map((p) => `${p.hostIp ?? ''}${p.hostIp ? ':' : ''}${p.hostPort}->${p.containerPort}/udp`).join(', ')
  let deleted = 0
  for (const e of stale) {
    const args = [...conntrackDeleteArgs(e), '--reply-src', e.reply.src]
    if ((await run('conntrack', args)).exitCode === 0) deleted++
  }
  if (stale.length) {
    log.info(`conntrack watch: ${who} publishes ${published} at ${ips.join(', ') || 'no address'}: deleted ${deleted} entr${deleted === 1 ? 'y' : 'ies'} that bypassed its DNAT (${stale.slice(0, 5).map(describeEntry).join('; ')}${stale.length > 5 ? `, and ${stale.length - 5} more` : ''})`)
  } else {
    log.debug(`conntrack watch: ${who} publishes ${published}: no entry bypasses its DNAT (${entries.length} on those ports)`)
  }
  return deleted
}

/** The Engine API calls the watch makes (tests give a fake). */
export type WatchApi = Pick<EngineApi, 'ping' | 'startEvents' | 'inspect'>

export interface ConntrackWatchOptions {
  /** dockerd's API socket (see dockerApiSocket in src/dockerd/engine-api.ts). */
  socketPath: string
  log: Logger
  /** Runs conntrack and ip; default: the reader's bounded runner. */
  run?: Runner
  /** Default: engineApi(socketPath). */
  api?: WatchApi
  /** Unix seconds to replay events from; default now (events of this dockerd only). */
  since?: number
  /** Pause between connection attempts; default 500 ms. */
  retryMs?: number
}

export interface ConntrackWatch {
  /** Stops following events and waits (bounded) for the container being handled. */
  stop(): Promise<void>
  /** Resolves once the first event stream is open (tests and logs). */
  readonly connected: Promise<void>
}

/**
 * Starts the watch; it retries until dockerd's API answers, reconnects (replaying from the last
 * event seen) when the stream ends, and never throws: every failure is logged and the watch
 * carries on, or stops when conntrack cannot be run at all.
 */
export function startConntrackWatch(opts: ConntrackWatchOptions): ConntrackWatch {
  const { log } = opts
  const run = opts.run ?? defaultRunner
  const api = opts.api ?? engineApi(opts.socketPath)
  const retryMs = opts.retryMs ?? 500
  const abort = new AbortController()
  let since = opts.since ?? Math.floor(Date.now() / 1000)
  const seen = new Set<string>()
  let queue: Promise<void> = Promise.resolve()
  let markConnected!: () => void
  const connected = new Promise<void>((resolve) => { markConnected = resolve })
  let wait: { timer: NodeJS.Timeout, resolve: () => void } | null = null
  const pause = (ms: number) => new Promise<void>((resolve) => {
    if (abort.signal.aborted) return resolve()
    wait = { timer: setTimeout(() => { wait = null; resolve() }, ms), resolve }
  })

  const handle = (id: string) => async () => {
    if (abort.signal.aborted) return
    try {
      const inspect = await api.inspect(id)
      await clearBypassingEntries(inspect, run, log)
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err)
      log.warn(`conntrack watch: container ${id.slice(0, 12)}: ${msg}`)
      if (err instanceof ConntrackUnusableError) {
        log.warn('conntrack watch: stopping, conntrack cannot be used here')
        abort.abort()
      }
    }
  }

  const loop = async () => {
    let announced = false
    let failures = 0
    while (!abort.signal.aborted) {
      if (!(await api.ping())) {
        if (++failures === Math.ceil(60_000 / retryMs)) log.warn(`conntrack watch: dockerd's API at ${opts.socketPath} does not answer yet; still waiting`)
        await pause(retryMs)
        continue
      }
      failures = 0
      try {
        const stream = api.startEvents(since, (e) => {
          const key = `${e.id}@${e.timeNano ?? e.time}`
          if (seen.has(key)) return
          seen.add(key)
          if (seen.size > 1000) seen.delete(seen.values().next().value as string)
          since = Math.max(since, e.time)
          queue = queue.then(handle(e.id))
        }, abort.signal)
        if (!announced) {
          announced = true
          log.info(`conntrack watch: following container starts on unix://${opts.socketPath}; UDP entries bypassing a new container's published ports get deleted`)
        }
        markConnected()
        await stream
      } catch (err) {
        if (!abort.signal.aborted) log.debug(`conntrack watch: event stream: ${err instanceof Error ? err.message : String(err)}`)
      }
      await pause(retryMs)
    }
  }
  const done = loop().catch((err) => log.warn(`conntrack watch stopped: ${err instanceof Error ? err.message : String(err)}`))

  return {
    connected,
    async stop() {
      abort.abort()
      if (wait) { clearTimeout(wait.timer); wait.resolve() }
      const bound = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())
      await Promise.race([Promise.all([done, queue]).then(() => {}), bound])
    },
  }
}
