/**
 * iproute2, the one place we run `ip` and read its JSON: routes and policy rules
 * (`ip -j -4|-6 route show table all`, `ip -j -4|-6 rule show`), addresses and link kinds
 * (`ip -j -d addr show`), normalised to the snapshot contract (src/model.ts). The start path
 * asks most of them in one process (MACHINE_BATCH).
 *
 * Key names below were checked against iproute2 6.1 output recorded in a throwaway network
 * namespace (test/fixtures/read/record.sh): route MTU is inside `"metrics": [{"mtu": 1400}]`,
 * multipath routes carry `"nexthops": [{"gateway", "dev", "weight", "flags"}]` and no top-level
 * dev, the rule key is `suppress_prefixlen` (the CLI keyword is `suppress_prefixlength`), and
 * boolean rule selectors (`not`, `nop`, `unresolved`) are keys whose value is JSON null.
 *
 * One set of functions serves both families: the family is a parameter.
 */
import type { NextHop, Route, Rule } from '../model.js'
import type { Family } from '../net/family.js'
import { ARPHRD } from '../net/kernel.js'
import { defaultRunner, describeFailure, type Runner } from './runner.js'

/** The `ip` arguments that list every route of one family, in every table. */
export function routeListArgs(family: Family): string[] {
  // `-4` is needed: without a family `ip route show table all` dumps IPv6 routes as well
  // (checked on iproute2 6.1), unlike plain `ip route show`.
  return ['-j', `-${family}`, 'route', 'show', 'table', 'all']
}

/** The `ip` arguments that list the policy rules of one family. */
export function ruleListArgs(family: Family): string[] {
  return ['-j', `-${family}`, 'rule', 'show']
}

/** The arguments of the one netlink dump the reader takes links, kinds and addresses from. */
export const LINK_DUMP_ARGS: readonly string[] = ['-j', '-d', 'addr', 'show']

/**
 * The machine's listings from one `ip` process, `ip -j -d -batch -` with four commands on
 * stdin: the link dump (LINK_DUMP_ARGS), the routes of each family in every table, and the
 * IPv4 policy rules. iproute2 prints one JSON array per command, one per line, in this order.
 *
 * A batch has one set of global options for every line, so no line can carry `-4` or `-6`:
 * - links need none (`-4`/`-6` would hide links without an address of that family);
 * - routes: `table all root 0.0.0.0/0` (`root ::/0`) is every route of that family in every
 *   table; without the root prefix the listing mixes both families (iproute2 6.1);
 * - rules: `rule show` without a family is IPv4 (iprule.c: AF_UNSPEC becomes AF_INET), so
 *   IPv6 rules need a second process (ruleListArgs(6)).
 * `-d` (the link kinds) also adds default values to routes and rules (`"type": "unicast"`,
 * `"protocol": "boot"`); parseIpRouteJson and parseIpRuleJson read them as the plain listings'
 * absent keys, so the Routes and Rules are those of routeListArgs and ruleListArgs (checked on
 * the recorded namespace, test/read/ip-batch.test.ts).
 *
 * Two processes instead of three on the start path (the link dump and one batch per family):
 * each spawn costs the wrapper's main thread about 2.5 ms (--cpu-prof: ChildProcess.spawn 12.9 ms for six).
 */
export const MACHINE_BATCH = {
  args: [...LINK_DUMP_ARGS.slice(0, 2), '-batch', '-'],
  input: `${LINK_DUMP_ARGS.slice(2).join(' ')}\nroute show table all root 0.0.0.0/0\nroute show table all root ::/0\nrule show\n`,
} as const

/**
 * Converts `ip -j -4|-6 route show table all` output (already JSON.parse'd) to Routes.
 *
 * Mapping: `gateway` (or `via.host` for a gateway of the other family) → gw; `metric` absent
 * → 0 (iproute2 omits a zero IPv4 priority; IPv6 routes always carry one); `table` absent →
 * "main"; `type` absent → "unicast"; `scope` absent → "global" (iproute2 omits RT_SCOPE_UNIVERSE);
 * `protocol` absent → "boot" (iproute2 omits RTPROT_BOOT); `metrics[].mtu` → mtu in bytes, null
 * when the route has none; `flags` containing "linkdown" → linkdown; `nexthops[]` →
 * nexthops {dev, gw, weight}. Host routes, which iproute2 prints without a prefix length, get
 * /32 or /128 so dst is always "default" or a CIDR. `prefsrc` is kept as an extra field.
 *
 * Entries that clearly belong to the other family are dropped; entries without a dst are
 * skipped with a note in `errors` (when given). Throws TypeError when `json` is not an array.
 */
export function parseIpRouteJson(json: unknown, family: Family, errors?: string[]): Route[] {
  const routes: Route[] = []
  asArray(json, 'ip route JSON').forEach((r, i) => {
    if (typeof r?.dst !== 'string') {
      errors?.push(`route entry ${i}: no dst in ${JSON.stringify(r)}; skipped`)
      return
    }
    if (familyOfRoute(r) === otherFamily(family)) return
    const route: Route = {
      dst: normaliseDst(r.dst, family),
      dev: str(r.dev),
      gw: gatewayOf(r),
      metric: typeof r.metric === 'number' ? r.metric : 0,
      mtu: routeMtuOf(r.metrics),
      table: str(r.table) ?? 'main',
      type: str(r.type) ?? 'unicast',
      scope: str(r.scope) ?? 'global',
      linkdown: Array.isArray(r.flags) && r.flags.includes('linkdown'),
      protocol: str(r.protocol) ?? 'boot',
    }
    if (typeof r.prefsrc === 'string') route.prefsrc = r.prefsrc
    if (typeof r.nhid === 'number') route.nhid = r.nhid
    if (Array.isArray(r.nexthops)) route.nexthops = r.nexthops.map(nextHopOf)
    routes.push(route)
  })
  return routes
}

/** Rule protocols that plain `ip rule show` does not print (iprule.c: `protocol && protocol != RTPROT_KERNEL`, or -d). */
const DETAIL_ONLY_RULE_PROTOCOLS = new Set<unknown>(['unspec', 'kernel'])

/**
 * Converts `ip -j -4|-6 rule show` output (already JSON.parse'd) to Rules, in iproute2's order.
 *
 * Mapping: `src` + `srclen` → "10.0.0.0/24" (a single address stays as printed, "all" stays
 * "all"), same for `dst` + `dstlen`; a `not` key → not: true; `fwmark`, `fwmask` (absent when
 * the mask is full), `iif`, `oif`, `table`, `suppress_prefixlen` as given; `action` as given
 * (unreachable, blackhole, prohibit), "goto" when a `goto` key is present (target kept in
 * `goto`), "nop" for a `nop` key; no action means lookup. Other keys are passed through, with
 * null-valued flag keys (e.g. `unresolved`) turned into true, except `protocol` when it is
 * "unspec" or "kernel": iproute2 prints those only with `-d` (iprule.c), so they are left out
 * as the plain listing leaves them out and a rule reads the same with or without `-d`.
 *
 * Entries without a numeric priority are skipped with a note in `errors` (when given).
 * Throws TypeError when `json` is not an array.
 */
export function parseIpRuleJson(json: unknown, errors?: string[]): Rule[] {
  const consumed = new Set(['priority', 'src', 'srclen', 'dst', 'dstlen', 'not', 'fwmark', 'fwmask',
    'iif', 'oif', 'table', 'suppress_prefixlen', 'action', 'goto', 'nop'])
  const rules: Rule[] = []
  asArray(json, 'ip rule JSON').forEach((r, i) => {
    if (typeof r?.priority !== 'number') {
      errors?.push(`rule entry ${i}: no priority in ${JSON.stringify(r)}; skipped`)
      return
    }
    const rule: Rule = { priority: r.priority, src: prefixOf(r.src, r.srclen) ?? 'all' }
    const dst = prefixOf(r.dst, r.dstlen)
    if (dst !== null) rule.dst = dst
    if ('not' in r) rule.not = true
    for (const k of ['fwmark', 'fwmask', 'iif', 'oif', 'table'] as const) {
      if (typeof r[k] === 'string') rule[k] = r[k]
    }
    if (typeof r.suppress_prefixlen === 'number') rule.suppress_prefixlen = r.suppress_prefixlen
    if (typeof r.action === 'string') rule.action = r.action
    else if ('goto' in r) rule.action = 'goto'
    else if ('nop' in r) rule.action = 'nop'
    if ('goto' in r) rule.goto = r.goto
    for (const [k, v] of Object.entries(r)) {
      if (consumed.has(k) || (k === 'protocol' && DETAIL_ONLY_RULE_PROTOCOLS.has(v))) continue
      rule[k] = v === null ? true : v
    }
    rules.push(rule)
  })
  return rules
}

/**
 * Addresses per interface from `ip -j addr show` JSON: Map ifname → ["10.0.0.7/24", "fd00::7/64"]
 * in iproute2's order. The CIDR is `local/prefixlen`; for point-to-point addresses `local` is
 * ours and `address` the peer's, so `local` is the one to take. Entries without a name or
 * addr_info are skipped. Throws TypeError when `json` is not an array.
 */
export function parseIpAddrJson(json: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const entry of asArray(json, 'ip addr JSON')) {
    const name = typeof entry?.ifname === 'string' ? entry.ifname : null
    if (!name) continue
    const cidrs: string[] = []
    for (const a of Array.isArray(entry.addr_info) ? entry.addr_info : []) {
      if (typeof a?.local === 'string' && typeof a?.prefixlen === 'number') cidrs.push(`${a.local}/${a.prefixlen}`)
    }
    out.set(name, cidrs)
  }
  return out
}

/**
 * The driver's kind per interface from `ip -j -d addr show` (or `link show`) JSON:
 * Map ifname → linkinfo.info_kind ("veth", "bridge", "vxlan", "wireguard", "tun"…).
 * This is rtnl_link_ops->kind, the name the link was created with, so it beats any sysfs guess.
 * Interfaces without linkinfo (physical NICs, loopback) are absent. Throws TypeError when
 * `json` is not an array.
 */
export function parseIpLinkKinds(json: unknown): Map<string, string> {
  const out = new Map<string, string>()
  for (const entry of asArray(json, 'ip link JSON')) {
    const kind = entry?.linkinfo?.info_kind
    if (typeof entry?.ifname === 'string' && typeof kind === 'string' && kind) out.set(entry.ifname, kind)
  }
  return out
}

/** One entry of `ip -j -d addr show`, as far as the reader needs it. */
export interface IpLink {
  name: string
  ifindex: number | null
  /** MTU in bytes, IP header included; null when absent or not a number. */
  mtu: number | null
  /** The kernel's flags as iproute2 names them: "UP", "LOWER_UP", "NO-CARRIER", … */
  flags: string[]
  /** ARPHRD_* of the `link_type` name (see ARPHRD_BY_IP_NAME), null for a name we do not map. */
  arphrd: number | null
  /** `address` as printed (a MAC for ethernet devices, an IP for ipip, absent for tun). */
  address: string | null
  master: string | null
  /** linkinfo.info_kind (rtnl_link_ops->kind), null when the link has none (physical NICs, lo). */
  kind: string | null
  /** The peer or lower device is another link (`link` or `link_index`): the "@if61" of `ip link`. */
  peered: boolean
  /** addr_info as CIDRs, as parseIpAddrJson gives them. */
  addrs: string[]
}

/**
 * iproute2's names for the ARPHRD_* types we tell apart (lib/ll_types.c, `link_type` in JSON);
 * other types map to null, which reads as "not ethernet, not a known tunnel".
 */
export const ARPHRD_BY_IP_NAME: Readonly<Record<string, number>> = {
  ether: ARPHRD.ETHER, loopback: ARPHRD.LOOPBACK, ipip: ARPHRD.IPIP, tunnel6: ARPHRD.TUNNEL6,
  sit: ARPHRD.SIT, gre: ARPHRD.IPGRE, ip6gre: ARPHRD.IP6GRE, none: ARPHRD.NONE,
}

/**
 * Converts `ip -j -d addr show` (or `ip -j -d link show`) output, already JSON.parse'd, to
 * IpLinks in iproute2's order (ifindex). Entries without an `ifname` are skipped. One loop,
 * no recursion: cost is linear in the number of links. Throws TypeError when `json` is not an
 * array.
 */
export function parseIpLinkJson(json: unknown): IpLink[] {
  const out: IpLink[] = []
  for (const e of asArray(json, 'ip link JSON')) {
    if (typeof e?.ifname !== 'string' || !e.ifname) continue
    const kind = e.linkinfo?.info_kind
    const ifindex = typeof e.ifindex === 'number' ? e.ifindex : null
    const addrs: string[] = []
    for (const a of Array.isArray(e.addr_info) ? e.addr_info : []) {
      if (typeof a?.local === 'string' && typeof a?.prefixlen === 'number') addrs.push(`${a.local}/${a.prefixlen}`)
    }
    out.push({
      name: e.ifname,
      ifindex,
      mtu: typeof e.mtu === 'number' ? e.mtu : null,
      flags: Array.isArray(e.flags) ? e.flags.filter((f: unknown): f is string => typeof f === 'string') : [],
      arphrd: typeof e.link_type === 'string' && Object.hasOwn(ARPHRD_BY_IP_NAME, e.link_type) ? ARPHRD_BY_IP_NAME[e.link_type] : null,
      address: str(e.address),
      master: str(e.master),
      kind: typeof kind === 'string' && kind ? kind : null,
      peered: typeof e.link === 'string' || (typeof e.link_index === 'number' && e.link_index !== ifindex),
      addrs,
    })
  }
  return out
}

/**
 * Runs `ip -j -d addr show` and returns addresses and kinds per interface (see parseIpAddrJson,
 * parseIpLinkKinds). Never throws: when `ip` is missing or has no JSON output (busybox), both
 * maps are null and `errors` says why; links then carry no `addrs`.
 */
export async function readIpAddrs(run: Runner = defaultRunner): Promise<{
  addrs: Map<string, string[]> | null, kinds: Map<string, string> | null, errors: string[]
}> {
  const args = [...LINK_DUMP_ARGS]
  const r = await run('ip', args)
  if (r.exitCode !== 0) return { addrs: null, kinds: null, errors: [`addrs: ${describeFailure('ip', args, r)}; link addresses unknown`] }
  try {
    const json = JSON.parse(r.stdout.trim() || '[]')
    return { addrs: parseIpAddrJson(json), kinds: parseIpLinkKinds(json), errors: [] }
  } catch (e) {
    return { addrs: null, kinds: null, errors: [`addrs: output of \`ip ${args.join(' ')}\` is not JSON (${(e as Error).message}); link addresses unknown`] }
  }
}

// --- helpers ------------------------------------------------------------------------------

/** Route MTU attribute in bytes: iproute2 prints RTA_METRICS as `"metrics": [{"mtu": N, …}]`. */
function routeMtuOf(metrics: unknown): number | null {
  for (const m of Array.isArray(metrics) ? metrics : [metrics]) {
    if (m && typeof m === 'object' && typeof (m as any).mtu === 'number') return (m as any).mtu
  }
  return null
}

function gatewayOf(r: any): string | null {
  if (typeof r?.gateway === 'string') return r.gateway
  // RTA_VIA: an IPv4 route through an IPv6 next hop prints `"via": {"family": "inet6", "host": …}`.
  if (typeof r?.via?.host === 'string') return r.via.host
  return null
}

function nextHopOf(nh: any): NextHop {
  return { dev: str(nh?.dev), gw: gatewayOf(nh), weight: typeof nh?.weight === 'number' ? nh.weight : 1 }
}

function normaliseDst(dst: string, family: Family): string {
  if (dst === 'default' || dst.includes('/')) return dst
  return `${dst}/${family === 4 ? 32 : 128}`
}

function prefixOf(addr: unknown, len: unknown): string | null {
  if (typeof addr !== 'string') return null
  return typeof len === 'number' && addr !== 'all' ? `${addr}/${len}` : addr
}

/** Family of a route judged by its addresses; null when it names none (e.g. `default dev tun0`). */
function familyOfRoute(r: any): Family | null {
  // `via` is left out on purpose: it is how iproute2 prints a gateway of the *other* family.
  const addrs = [r.dst, r.prefsrc, r.gateway,
    ...(Array.isArray(r.nexthops) ? r.nexthops.map((n: any) => n?.gateway) : [])]
  for (const a of addrs) {
    if (typeof a !== 'string' || a === 'default') continue
    if (a.includes(':')) return 6
    if (a.includes('.')) return 4
  }
  return null
}

function otherFamily(f: Family): Family {
  return f === 4 ? 6 : 4
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}

function asArray(json: unknown, what: string): any[] {
  if (!Array.isArray(json)) throw new TypeError(`${what}: expected an array, got ${json === null ? 'null' : typeof json}`)
  return json
}
