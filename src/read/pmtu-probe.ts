/**
 * Path-MTU probe (opt-in, `--autonet-probe=HOST`): the largest packet that really reaches HOST
 * and back with Don't Fragment set, for paths where a hop beyond the egress has a smaller MTU and
 * the ICMP "fragmentation needed" that should say so is filtered (the PMTU black hole, RFC 2923).
 *
 * How: iputils `ping -M do` (busybox ping cannot set DF) at chosen sizes, in parallel rounds of
 * a k-ary search between the floor (576 for IPv4, RFC 791; 1280 for IPv6, RFC 8200) and the MTU
 * of the route to HOST. A size passes when any of its two echo requests is answered; a failure
 * may be loss, so the result can only err low (safe). An ICMP "frag needed (mtu = N)" or a local
 * "message too long, mtu=N" narrows the search at once. The whole probe is bounded (10 s by
 * default); when time runs out the largest size known to pass is the answer.
 *
 * Fail open: a host that answers nothing even at the floor, a name that does not resolve, a
 * missing iputils ping, all give `mtu: null` with a note, and the planner keeps the egress MTU.
 * The result goes into the snapshot as `pmtu_probe`, so `plan --state` replays it.
 */
import type { PmtuProbe } from '../model.js'
import { IPV4_MIN_MTU, IPV6_MIN_MTU } from '../net/mtu-limits.js'
import { addressFamily } from '../net/prefix.js'
import { readText } from '../files.js'
import { defaultRunner, type Runner } from '../tools/runner.js'

export type { PmtuProbe } from '../model.js'

export interface ProbeOptions {
  /** Runs ping and ip; default child_process.execFile with a 3 s bound per command. */
  run?: Runner
  /** Upper bound in bytes instead of the route's MTU (tests). */
  upperMtu?: number
  /** Total time budget; default 10 000 ms. */
  budgetMs?: number
  /** Probes per round; default 6 (a 7-ary search: 4 rounds from 576 to 1500). */
  parallel?: number
  /** Where interfaces' MTUs are read; default /sys/class/net. */
  sysClassNet?: string
  /** Resolves a name; default dns.lookup. */
  resolve?: (host: string) => Promise<{ address: string, family: number }>
  /** Clock (tests). */
  now?: () => number
}

/** IPv4 and IPv6 headers plus the ICMP echo header: ping -s SIZE sends SIZE + this many bytes. */
const OVERHEAD = { 4: 20 + 8, 6: 40 + 8 } as const
/** Smallest packet every host of the family must take: 576 (RFC 791, RFC 1122), 1280 (RFC 8200). */
export const PROBE_FLOOR = { 4: IPV4_MIN_MTU, 6: IPV6_MIN_MTU } as const
/** What one failing round costs: two requests 0.2 s apart, then -W 1 s of waiting. */
const ROUND_MS = 1500

/**
 * Probes the path MTU to `host`. Never throws; everything that prevents an answer is in `note`
 * with `mtu: null`.
 */
export async function probePathMtu(host: string, opts: ProbeOptions = {}): Promise<PmtuProbe> {
  const now = opts.now ?? Date.now
  const started = now()
  // 3 s a command: a probe's ping waits 1 s a reply; a hung one must not hold dockerd back.
  const given = opts.run ?? defaultRunner
  const run: Runner = (cmd, args) => given(cmd, args, { timeoutMs: 3000 })
  const result: PmtuProbe = { host, address: null, family: null, mtu: null, min: null, max: null, probes: 0, elapsed_ms: 0, note: null }
  const done = (note: string | null) => ({ ...result, note, elapsed_ms: now() - started })

  // 1. Address and family.
  try {
    const fam = addressFamily(host)
    const r = fam ? { address: host, family: fam } : await withTimeout((opts.resolve ?? (async (h) => (await import('node:dns/promises')).lookup(h)))(host), 2000, `resolving ${host}`)
    if (r.family !== 4 && r.family !== 6) return done(`${host} resolved to no IPv4 or IPv6 address`)
    result.address = r.address
    result.family = r.family
  } catch (e) {
    return done(`cannot resolve ${host}: ${(e as Error).message}`)
  }
  const family = result.family as 4 | 6
  const address = result.address as string

  // 2. A ping that can set DF.
  const version = await run('ping', ['-V'])
  if (!/iputils/i.test(`${version.stdout}${version.stderr ?? ''}`)) {
    return done('needs iputils ping (`ping -M do`); busybox ping cannot set Don\'t Fragment (Debian/Ubuntu: apt-get install iputils-ping)')
  }

  // 3. Bounds.
  const floor = PROBE_FLOOR[family]
  let max = opts.upperMtu ?? null
  if (max === null) {
    const route = await routeMtu(run, family, address, opts.sysClassNet ?? '/sys/class/net')
    if ('error' in route) return done(route.error)
    max = route.mtu
  }
  result.min = Math.min(floor, max)
  result.max = max

  // 4. Search.
  const budget = opts.budgetMs ?? 10_000
  const probe = async (mtu: number): Promise<{ mtu: number, ok: boolean, hint: number | null }> => {
    result.probes++
    const size = mtu - OVERHEAD[family]
    const r = await run('ping', [`-${family}`, '-n', '-M', 'do', '-s', String(size), '-c', '2', '-i', '0.2', '-W', '1', address])
    const hint = /mtu\s*=\s*(\d+)/i.exec(`${r.stdout}\n${r.stderr ?? ''}`)
    return { mtu, ok: r.exitCode === 0, hint: hint ? Number(hint[1]) : null }
  }
  const first = await Promise.all(max > floor ? [probe(floor), probe(max)] : [probe(max)])
  if (first[first.length - 1].ok) return { ...done(null), mtu: max }
  if (max <= floor || !first[0].ok) {
    return done(`no answer from ${host}${address !== host ? ` (${address})` : ''} even at ${result.min} bytes with DF set: cannot tell the path MTU`)
  }
  let lo: number = floor
  let hi = max
  let hint = first.map((p) => p.hint).find((h) => h !== null && h > lo && h < hi) ?? null
  const k = Math.max(1, opts.parallel ?? 6)
  while (hi - lo > 1) {
    if (now() - started + ROUND_MS > budget) {
      return { ...done(`time budget of ${budget} ms spent: ${lo} bytes get through, ${hi} do not, in between untested; using ${lo}`), mtu: lo }
    }
    const points = new Set<number>()
    if (hint !== null && hint > lo && hint < hi) {
      // The path said its MTU: check it and one byte more, nothing else.
      points.add(hint)
      if (hint + 1 < hi) points.add(hint + 1)
    }
    for (let j = 1; points.size === 0 && j <= k; j++) {
      for (let q = 1; q <= k; q++) {
        const p = lo + Math.round(((hi - lo) * q) / (k + 1))
        if (p > lo && p < hi) points.add(p)
      }
    }
    hint = null
    const round = await Promise.all([...points].map(probe))
    for (const p of round) if (p.ok && p.mtu > lo) lo = p.mtu
    for (const p of round) {
      if (!p.ok && p.mtu > lo && p.mtu < hi) hi = p.mtu
      if (!p.ok && p.hint !== null && p.hint > lo && p.hint < hi) hint = p.hint
    }
  }
  return { ...done(null), mtu: lo }
}

/** The MTU of the route to `address`: the device's, lowered by a route `mtu` or a cached PMTU. */
async function routeMtu(run: Runner, family: 4 | 6, address: string, sysClassNet: string): Promise<{ mtu: number } | { error: string }> {
  const args = ['-j', `-${family}`, 'route', 'get', address]
  const r = await run('ip', args)
  let hop: any
  try { hop = r.exitCode === 0 ? JSON.parse(r.stdout)[0] : null } catch { hop = null }
  if (!hop || typeof hop.dev !== 'string') {
    return { error: `no route to ${address} (\`ip ${args.join(' ')}\`: ${(r.stderr ?? '').trim() || `exit ${r.exitCode}`})` }
  }
  let mtu: number
  try {
    mtu = Number((await readText(`${sysClassNet}/${hop.dev}/mtu`)).trim())
  } catch (e) {
    return { error: `cannot read the MTU of ${hop.dev}: ${(e as Error).message}` }
  }
  for (const m of Array.isArray(hop.metrics) ? hop.metrics : []) {
    if (typeof m?.mtu === 'number' && m.mtu < mtu) mtu = m.mtu
  }
  if (!Number.isInteger(mtu) || mtu < 68) return { error: `unusable MTU ${mtu} on ${hop.dev}` }
  return { mtu }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms) })
  return Promise.race([p, expired]).finally(() => clearTimeout(timer))
}
