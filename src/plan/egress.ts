/**
 * Which interface does an ordinary container packet to the internet leave by?
 *
 * Resolved the way the kernel's FIB does it (and `ip route get` shows it), not by grepping the
 * main table: walk the policy rules in priority order (fib_rules.c: fib_rule_match), look up each
 * rule's table, skip what `suppress_prefixlength` suppresses, stop at `unreachable`/`blackhole`/
 * `prohibit`, and in the table take the longest-prefix default-like route with the lowest metric.
 * References: ip-rule(8), ip-route(8), Documentation/networking/ip-sysctl.rst.
 */
import type { Link, NextHop, Route, Rule } from '../model.js'
import { type Prefix, prefixContains, tryParsePrefix } from '../net/prefix.js'
import type { Family } from '../net/family.js'
import { isUsableMtu } from '../net/mtu-limits.js'

/** One device a packet may leave by, with the MTU that applies to it on that route. */
export interface RouteHop {
  dev: string
  /** MTU in bytes: the route's own `mtu` attribute when set, else the device MTU. */
  mtuBytes: number
  /** Where mtuBytes came from, for the reason line. */
  mtuSource: 'route' | 'link'
  gw: string | null
}

/** The default route container packets of one family take, with its hops, or why there is none. */
export type DefaultRouteLookup =
  | { found: true, family: Family, hops: RouteHop[], table: string, route: Route, reason: string }
  | { found: false, family: Family, reason: string }

/** What we know about the packets we route: their source, mark and incoming interface. */
export interface ContainerPacket {
  /** A container source address (before masquerading), e.g. the first host of docker0's subnet. */
  src: string | null
  /** Firewall mark: container traffic carries none (0). */
  fwmark: number
  /** Interface the packet arrives on: the bridge containers are attached to. */
  iif: string | null
}

/** The rules the kernel has when nobody added any (ip-rule(8), "At startup time..."). */
export const DEFAULT_RULES: Rule[] = [
  { priority: 0, src: 'all', table: 'local' },
  { priority: 32766, src: 'all', table: 'main' },
  { priority: 32767, src: 'all', table: 'default' },
]

const TERMINAL_ACTIONS = new Set(['unreachable', 'blackhole', 'prohibit'])
const NON_UNICAST_ROUTES = new Set(['local', 'broadcast', 'anycast', 'multicast', 'nat'])

/**
 * Resolves the egress of `family` for a container packet to an internet address.
 * Pure; never throws: a rule or route it cannot interpret is skipped and the reason says so.
 * @param rules policy rules (`ip -j rule`); empty or absent means the kernel defaults.
 * @param routes every route of the family, all tables (`ip -j route show table all`).
 * @param links to find device MTUs and to ignore links that are down.
 */
export function resolveEgress(
  family: Family,
  rules: Rule[] | undefined,
  routes: Route[],
  links: Link[],
  packet: ContainerPacket,
): DefaultRouteLookup {
  const byName = new Map(links.map((l) => [l.name, l]))
  const ordered = [...(rules && rules.length > 0 ? rules : DEFAULT_RULES)]
    .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))
  // Indexed once: each rule then looks at its own table's default-like routes only, so the
  // walk costs O(rules + routes), not O(rules × routes).
  const tables = defaultCandidatesByTable(family, routes)
  // Without a default-like route no rule can find an egress: said the same way whatever the
  // rules are, so a reader that left them unread (hasDefaultLikeRoute) plans and explains alike.
  if (tables.size === 0) return { found: false, family, reason: `no IPv${family} default route for container traffic` }
  const skipped = boundedNotes()

  for (let i = 0; i < ordered.length; i++) {
    const rule = ordered[i]
    if (!ruleMatches(rule, family, packet)) continue
    const action = ruleAction(rule)
    if (TERMINAL_ACTIONS.has(action)) {
      return { found: false, family, reason: `IPv${family} rule ${rule.priority} (${action}) drops unmarked container traffic: no egress` }
    }
    if (action === 'nop') continue
    if (action === 'goto') {
      const j = firstAtOrAbove(ordered, Number(rule.goto ?? rule.target))
      if (j > i) i = j - 1
      continue
    }
    const table = rule.table ?? 'main'
    const hit = lookupDefault(tables.get(String(table)) ?? [], byName)
    if (hit.kind === 'none') { if (hit.note) skipped.push(hit.note); continue }
    if (hit.kind === 'blocked') {
      return { found: false, family, reason: `IPv${family} table ${table}: ${hit.note}` }
    }
    const prefixLen = tryParsePrefix(hit.route.dst, family)?.length ?? 0
    if (rule.suppress_prefixlen != null && prefixLen <= Number(rule.suppress_prefixlen)) {
      skipped.push(`table ${table}'s ${hit.route.dst} route suppressed by rule ${rule.priority} (suppress_prefixlength ${rule.suppress_prefixlen})`)
      continue
    }
    const hops = hit.hops
    // Naming the rule only helps when policy routing took the packet somewhere unusual.
    const via = String(table) === 'main' ? '' : ` (rule ${rule.priority}, table ${table})`
    const devs = hops.map((h) => `${h.dev} mtu ${h.mtuBytes}${h.mtuSource === 'route' ? ' (route mtu)' : ''}`).join(', ')
    const multi = hops.length > 1 ? `multipath default over ${devs}` : `${devs}`
    return {
      found: true, family, hops, table: String(table), route: hit.route,
      reason: `IPv${family} default route${via} leaves via ${multi}${skipped.count() ? `; ${skipped.text()}` : ''}`,
    }
  }
  const why = skipped.count() ? `: ${skipped.text()}` : ''
  return { found: false, family, reason: `no IPv${family} default route for container traffic${why}` }
}

/** fib_rule_match() for the packet we care about; selectors we cannot evaluate do not match. */
function ruleMatches(rule: Rule, family: Family, packet: ContainerPacket): boolean {
  let match = true
  if (rule.src && rule.src !== 'all') {
    const p = tryParsePrefix(rule.src, family)
    match &&= p !== null && packet.src !== null && prefixContains(p, packet.src)
  }
  if (rule.dst && rule.dst !== 'all') {
    // A destination selector names specific networks; "an address on the internet" is in none,
    // unless the selector covers everything.
    match &&= tryParsePrefix(rule.dst, family)?.length === 0
  }
  if (rule.fwmark != null) {
    const mark = Number(rule.fwmark)
    const maskBits = rule.fwmask != null ? Number(rule.fwmask) : 0xffffffff
    match &&= ((packet.fwmark & maskBits) >>> 0) === ((mark & maskBits) >>> 0)
  }
  if (rule.iif) match &&= rule.iif === packet.iif
  // Forwarded packets have no output interface at rule-lookup time.
  if (rule.oif) match = false
  return rule.not ? !match : match
}

function ruleAction(rule: Rule): string {
  const a = rule.action
  if (!a || a === 'lookup' || a === 'to_tbl') return 'lookup'
  return String(a)
}

type Lookup =
  | { kind: 'route', route: Route, hops: RouteHop[] }
  | { kind: 'none', note?: string }
  | { kind: 'blocked', note: string }

type Candidate = { r: Route, p: Prefix }

/**
 * Whether any table of `routes` holds a route resolveEgress would take or stop at for `family`:
 * a default-like one (/0, or a /1 half) that is unicast, throw, unreachable, blackhole or
 * prohibit. Without one, resolveEgress answers "no default route" whatever the policy rules
 * say, so a reader may leave the rules of that family unread (read/machine-state.ts). Pure.
 */
export function hasDefaultLikeRoute(family: Family, routes: Route[]): boolean {
  return routes.some((r) => candidatePrefix(r, family) !== null)
}

/** The prefix of `r` when it is a candidate for "any internet address" in its table, else null. */
function candidatePrefix(r: Route, family: Family): Prefix | null {
  const p = defaultLike(r, family)
  return p === null || NON_UNICAST_ROUTES.has(String(r.type ?? 'unicast')) ? null : p
}

/** The default-like unicast routes (/0, or /1 halves) of each table, in one pass over `routes`. */
function defaultCandidatesByTable(family: Family, routes: Route[]): Map<string, Candidate[]> {
  const out = new Map<string, Candidate[]>()
  for (const r of routes) {
    const p = candidatePrefix(r, family)
    if (p === null) continue
    const table = String(r.table ?? 'main')
    const list = out.get(table)
    if (list) list.push({ r, p })
    else out.set(table, [{ r, p }])
  }
  return out
}

/** Index of the first rule (sorted by priority) at or above `priority`; ordered.length if none. */
function firstAtOrAbove(ordered: Rule[], priority: number): number {
  let lo = 0
  let hi = ordered.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((ordered[mid].priority ?? 0) >= priority) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** At most this many "skipped" notes are spelled out in a reason line; the rest are counted. */
const MAX_NOTES = 5

/** Notes for a reason line, bounded: a machine with 200,000 down routes gets one short line. */
function boundedNotes() {
  const kept: string[] = []
  let n = 0
  return {
    push(note: string) { if (n++ < MAX_NOTES) kept.push(note) },
    count: () => n,
    text: () => kept.join('; ') + (n > kept.length ? `; and ${n - kept.length} more` : ''),
  }
}

/**
 * Longest-prefix match for "any internet address" in one table, given its default-like
 * candidates: the default route (/0), unless the table splits the space into /1 halves
 * (OpenVPN's def1), which then win. Lowest metric first; routes over links that are down are
 * passed over (the kernel does not use them).
 */
function lookupDefault(candidates: Candidate[], links: Map<string, Link>): Lookup {
  if (candidates.length === 0) return { kind: 'none' }
  let longest = 0
  for (const c of candidates) if (c.p.length > longest) longest = c.p.length
  const best = candidates.filter((c) => c.p.length === longest)
    .sort((a, b) => (a.r.metric ?? 0) - (b.r.metric ?? 0))
  const notes = boundedNotes()
  for (const { r } of best) {
    const type = String(r.type ?? 'unicast')
    if (type === 'throw') return { kind: 'none', note: `throw route ${r.dst}` }
    if (TERMINAL_ACTIONS.has(type)) return { kind: 'blocked', note: `${type} ${r.dst} route` }
    const hops = routeHops(r, links)
    if (hops.length === 0) {
      notes.push(`${r.dst} via ${describeDevs(r)} skipped (link down or unknown)`)
      continue
    }
    return { kind: 'route', route: r, hops }
  }
  return { kind: 'none', note: notes.text() || undefined }
}

function defaultLike(r: Route, family: Family): Prefix | null {
  const p = tryParsePrefix(r.dst, family)
  return p !== null && p.family === family && p.length <= 1 ? p : null
}

function describeDevs(r: Route): string {
  return r.nexthops?.length ? r.nexthops.map((h) => h.dev ?? '?').join('+') : (r.dev ?? '?')
}

/** The devices of a route with their effective MTU; hops over down or unknown links are dropped. */
function routeHops(r: Route, links: Map<string, Link>): RouteHop[] {
  const nexthops: NextHop[] = r.nexthops?.length ? r.nexthops : [{ dev: r.dev, gw: r.gw ?? null }]
  const hops: RouteHop[] = []
  for (const nh of nexthops) {
    const link = nh.dev ? links.get(nh.dev) : undefined
    if (!link || !link.up || !isUsableMtu(link.mtu)) continue
    const routeMtu = typeof r.mtu === 'number' && isUsableMtu(r.mtu) ? r.mtu : null
    hops.push({
      dev: link.name,
      mtuBytes: routeMtu !== null ? Math.min(routeMtu, link.mtu) : link.mtu,
      mtuSource: routeMtu !== null && routeMtu <= link.mtu ? 'route' : 'link',
      gw: nh.gw ?? null,
    })
  }
  return hops
}
