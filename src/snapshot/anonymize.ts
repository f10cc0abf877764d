/**
 * `dockerd-autonet snapshot --anonymize`: a snapshot safe to paste into a bug report that still
 * replays with `plan --state` to the same decision (same egress under its new name, same MTU,
 * same actions).
 *
 * What is replaced, consistently everywhere in the snapshot (links, routes, rules, conntrack,
 * daemon_json values, argv, env values, read_errors):
 * - MAC addresses: each distinct one becomes 02:00:00:00:HH:LL (the multicast bit is kept;
 *   00:00:00:00:00:00 and ff:ff:ff:ff:ff:ff stay);
 * - IP addresses: a keyed, prefix-preserving permutation (the Crypto-PAn construction, with
 *   HMAC-SHA256 as the function): two addresses share exactly as many leading bits after as
 *   before, so every "is in", "overlaps" and "same subnet" relation between addresses and
 *   prefixes survives, for any prefix length, and prefix lengths and families are kept.
 *   Special ranges stay recognisable: the path to private, CGNAT, link-local, benchmark and
 *   documentation ranges is kept (10.x stays 10.x, fe80::/64 stays fe80::/64), loopback,
 *   multicast, the unspecified address and docker's default 172.17.0.0/16 (the planner knows it
 *   by value) are kept as they are, and inside every subnet the snapshot mentions, the last 16
 *   bits (the host part of a /16 or longer) are kept, so a gateway .1 stays .1 and a
 *   container's bip+2 address stays bip+2;
 * - interface names that carry identifiers: veth1a2b3c → veth0001, br-<12 hex> → br-000000000001
 *   (still a docker bridge name), cali…, lxc…, enx<MAC>…; well-known names (lo, eth0, docker0,
 *   cni0, flannel.1, tailscale0, wg0, ens3, br0, …) are kept;
 * - host names in URLs, and in daemon.json/flag values that hold registry or search-domain names;
 * - the path-MTU probe's host (pmtu_probe.host, --autonet-probe in argv, its DOCKERD_AUTONET_*
 *   variable in env), wherever its name appears (read errors, the probe's note), even a name
 *   without dots; an address given as the host is an address like any other;
 * - conntrack ids (ct-<hash of the tuple>) become ct-000001….
 * Not replaced: numbers (MTUs, metrics, ports, marks, tables), file paths, free text not listed.
 * The key is random per run: an anonymized snapshot cannot be mapped back.
 */
import { envName, specOf } from '../cli/options.js'
import { isNetworkBridgeName } from '../dockerd/bridges.js'
import { parseDockerdFlags } from '../dockerd/flags.js'
import type { MachineState } from '../model.js'
import { AddressPermutation, mentionedSubnets } from './address-permutation.js'

export interface AnonymizeOptions {
  /** Key of the address permutation; default: 32 random bytes (tests pass a fixed one). */
  key?: Buffer | string
}

export interface Anonymized {
  state: MachineState
  /** Original interface name → anonymized name (only the names that changed). */
  names: Map<string, string>
  /** Maps one address (no prefix) as the snapshot was mapped. */
  address(addr: string): string
}

/** Names that identify nothing (kernel defaults, predictable names, CNI/VPN well-knowns). */
const WELL_KNOWN = [
  /^lo$/, /^ifb\d+$/, /^eth\d+(\.\d+)?$/, /^(en|wl|ww)[osp]\d\w*$/, /^docker\d+$/, /^cni\d+$/, /^flannel[.-]\d+$/, /^tailscale\d+$/,
  /^wg\d+$/, /^tun\d+$/, /^tap\d+$/, /^br\d+$/, /^bond\d+$/, /^virbr\d+$/, /^lxcbr\d+$/, /^vxlan\d+$/, /^dummy\d+$/,
  /^(tunl|gre|gretap|erspan|sit|ip6tnl|ip_vti|ip6_vti|ip6gre|ip6erspan)\d+$/,
  /^(kube-ipvs0|kube-bridge|cbr0|weave|cilium_host|cilium_net|cilium_vxlan|vxlan\.calico|nodelocaldns|docker_gwbridge|none|all|default)$/,
]

/** Our option naming the path-MTU probe's host: its flag and its variable hold a host name. */
const PROBE = specOf('--autonet-probe')!

/** daemon.json keys, flag names and env variables whose values hold host names. */
const HOSTNAME_KEYS = new Set(['insecure-registries', 'insecure-registry', 'registry-mirrors', 'registry-mirror', 'dns-search',
  'allow-nondistributable-artifacts', 'cluster-advertise', 'cluster-store', 'labels', 'label', `autonet-${PROBE.name}`, envName(PROBE)])

/** Returns an anonymized copy of `state` (see the module comment); the input is not changed. */
export function anonymizeState(state: MachineState, opts: AnonymizeOptions = {}): Anonymized {
  // Web Crypto's global, not an import of node:crypto: that would load at every dockerd start.
  const key = opts.key ?? Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32)))
  const names = nameMap(state)
  const subnets = mentionedSubnets(state)
  const addrs = new AddressPermutation(key, subnets)
  const macs = new Map<string, string>()
  const hosts = new Map<string, string>()
  const mac = (m: string) => {
    const k = m.toLowerCase()
    if (k === '00:00:00:00:00:00' || k === 'ff:ff:ff:ff:ff:ff') return k
    let v = macs.get(k)
    if (!v) {
      const n = macs.size + 1
      const first = 0x02 | (parseInt(k.slice(0, 2), 16) & 0x01)
      v = [first, 0, 0, 0, (n >> 8) & 0xff, n & 0xff].map((b) => b.toString(16).padStart(2, '0')).join(':')
      macs.set(k, v)
    }
    return v
  }
  const host = (h: string) => {
    const k = h.toLowerCase()
    let v = hosts.get(k)
    if (!v) { v = `host${hosts.size + 1}.example`; hosts.set(k, v) }
    return v
  }
  const known = probeHosts(state)
  const text = (s: string, hostnames: boolean) => rewriteText(s, { mac, addrs, names, host, hostnames, known })

  const walk = (v: unknown, keyName: string | null, hostnames: boolean): unknown => {
    if (typeof v === 'string') return text(v, hostnames || (keyName !== null && HOSTNAME_KEYS.has(keyName)))
    if (Array.isArray(v)) return v.map((x) => walk(x, keyName, hostnames))
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k, hostnames || HOSTNAME_KEYS.has(k))]))
    }
    return v
  }

  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(state)) {
    // Where it runs (uid, rootlesskit's driver, a sandbox marker) names no host, link or address.
    if (k === 'dockerd_version' || k === 'daemon_json_path' || k === 'euid' || k === 'rootlesskit' || k === 'sandbox') out[k] = v
    else if (k === 'argv') out[k] = anonymizeArgv(v as string[], (s, hn) => text(s, hn))
    else out[k] = walk(v, null, false)
  }
  const ids = new Map<string, string>()
  if (Array.isArray(out.conntrack)) {
    out.conntrack = (out.conntrack as Array<Record<string, unknown>>).map((e) => {
      if (typeof e.id !== 'string' || !/^ct-[0-9a-f]{12}(-\d+)?$/.test(e.id)) return e
      if (!ids.has(e.id)) ids.set(e.id, `ct-${String(ids.size + 1).padStart(6, '0')}`)
      return { ...e, id: ids.get(e.id) }
    })
  }
  return { state: out as MachineState, names, address: (a) => addrs.mapAddress(a) }
}

/** argv words: host names after the flags that take them, a glued `-bNAME`, the rest as text. */
function anonymizeArgv(argv: string[], text: (s: string, hostnames: boolean) => string): string[] {
  if (!Array.isArray(argv)) return argv
  let hostArg = false
  return argv.map((w) => {
    if (typeof w !== 'string') return w
    const flag = /^--?([a-z][\w-]*)(=(.*))?$/.exec(w)
    let out: string
    if (/^-b[^=-]/.test(w)) out = `-b${text(w.slice(2), false)}`
    else if (flag && flag[2] !== undefined) out = `${w.slice(0, w.indexOf('=') + 1)}${text(flag[3], HOSTNAME_KEYS.has(flag[1]))}`
    else out = text(w, hostArg)
    hostArg = flag !== null && flag[2] === undefined && HOSTNAME_KEYS.has(flag[1])
    return out
  })
}

interface Rewriters {
  mac(m: string): string
  addrs: AddressPermutation
  names: Map<string, string>
  host(h: string): string
  /** Also replace bare host names (registry.corp:5000, corp.example.com). */
  hostnames: boolean
  /** Host names replaced wherever they appear, dotted or not (lower case): the probe's. */
  known?: ReadonlySet<string>
}

/**
 * One pass over a string: MACs, then IPv6 and IPv4 addresses (with an optional /length), then
 * URL hosts and name-like tokens; every piece is replaced at most once.
 */
const TOKEN = new RegExp([
  String.raw`(?<mac>(?<![\w:])(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}(?![\w:]))`,
  String.raw`(?<v6>(?<![\w:.])(?:[0-9a-fA-F]{0,4}:){2,7}(?:[0-9a-fA-F]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.-]+)?(?:\/\d{1,3})?(?![\w:]))`,
  String.raw`(?<v4>(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?(?!\w|\.\d))`,
  String.raw`(?<url>(?<=[a-zA-Z][\w+.-]*:\/\/)(?:[^\s/:@\[\]]+@)?[A-Za-z][\w-]*(?:\.[\w-]+)*)`,
  String.raw`(?<word>(?<![\w.-])[A-Za-z_][\w.-]*)`,
].join('|'), 'g')

export function rewriteText(s: string, r: Rewriters): string {
  return s.replace(TOKEN, (m, ...args) => {
    const g = args[args.length - 1] as Record<string, string | undefined>
    if (g.mac) return r.mac(m)
    if (g.v6 || g.v4) return r.addrs.mapText(m, (zone) => r.names.get(zone) ?? zone) ?? m
    if (g.url) {
      const at = m.lastIndexOf('@')
      const hostPart = m.slice(at + 1)
      return (at >= 0 ? 'user@' : '') + (r.names.get(hostPart) ?? (isHostName(hostPart, true) ? r.host(hostPart) : hostPart))
    }
    // A name token; trailing dots and dashes belong to the sentence, not to the name.
    const core = m.replace(/[.-]+$/, '')
    const rest = m.slice(core.length)
    const named = r.names.get(core)
    if (named) return named + rest
    if ((r.hostnames && isHostName(core, false)) || r.known?.has(core.toLowerCase())) return r.host(core) + rest
    return m
  })
}

/** Looks like a DNS name: dotted labels ending in an alphabetic TLD (or, in a URL, any single name but localhost). */
function isHostName(s: string, inUrl: boolean): boolean {
  if (s === 'localhost' || s === 'docker') return false
  if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/.test(s)) return true
  return inUrl && /^[A-Za-z][\w-]*$/.test(s)
}

/**
 * The probe's host names (not addresses: those are mapped as addresses), lower case, from
 * pmtu_probe.host, --autonet-probe in argv (`=HOST` or the next word) and its variable in env.
 */
function probeHosts(state: MachineState): Set<string> {
  const flag = `--autonet-${PROBE.name}`
  const argv = Array.isArray(state.argv) ? state.argv : []
  const given = [
    state.pmtu_probe?.host, state.env?.[envName(PROBE)],
    ...argv.map((w, i) => (w === flag ? argv[i + 1] : typeof w === 'string' && w.startsWith(`${flag}=`) ? w.slice(flag.length + 1) : undefined)),
  ]
  const names = given.filter((h): h is string => typeof h === 'string').map((h) => h.trim().toLowerCase())
  return new Set(names.filter((h) => /^[a-z_][\w.-]*$/.test(h)))
}

/**
 * Interface names as they will appear: kept when well known, else the leading letters and a
 * counter (veth0001), br-<12 hex> as br-<12 digits> (still a docker bridge name to the planner).
 */
function nameMap(state: MachineState): Map<string, string> {
  const all = new Set<string>()
  const add = (n: unknown) => { if (typeof n === 'string' && n) all.add(n) }
  for (const l of state.links ?? []) { add(l.name); add(l.master) }
  for (const r of [...(state.routes4 ?? []), ...(state.routes6 ?? [])]) {
    add(r.dev)
    for (const h of r.nexthops ?? []) add(h.dev)
  }
  for (const r of [...(state.rules4 ?? []), ...(state.rules6 ?? [])]) { add(r.iif); add(r.oif) }
  // A bridge named by the user but absent is still a name of theirs.
  add(state.daemon_json?.bridge)
  for (const f of parseDockerdFlags(Array.isArray(state.argv) ? state.argv : [])) if (f.name === 'bridge') add(f.value)
  const kept = new Set([...all].filter((n) => WELL_KNOWN.some((re) => re.test(n))))
  const taken = new Set(kept)
  const counters = new Map<string, number>()
  const out = new Map<string, string>()
  for (const name of [...all].sort()) {
    if (kept.has(name)) continue
    const docker = isNetworkBridgeName(name)
    const prefix = docker ? 'br-' : namePrefix(name)
    const counter = docker ? 'docker br-' : prefix
    let mapped: string
    do {
      const n = (counters.get(counter) ?? 0) + 1
      counters.set(counter, n)
      mapped = docker ? `br-${String(n).padStart(12, '0')}` : `${prefix}${String(n).padStart(4, '0')}`
    } while (taken.has(mapped) || all.has(mapped))
    taken.add(mapped)
    out.set(name, mapped)
  }
  return out
}

/** Kinds of interface whose names end in an identifier (veth1a2b3c, cali8d3f…, lxc…, tap<uuid>, enx<MAC>). */
const KNOWN_PREFIXES = /^(veth|cali|lxc|tap|tun|qvo|qvb|qbr|qg-|qr-|vnet|macvtap|macvlan|ipvl|vxlan|geneve|gre|kube-|flannel|weave|cilium_|wg|ens|enp|enx|eth|br-|br|docker|nm-|vlan|bond|virbr|cni|tailscale)/

/** The part of a name kept in front of the counter: a known kind, else letters before a separator, else "if". */
function namePrefix(name: string): string {
  const known = KNOWN_PREFIXES.exec(name)?.[0]
  if (known) return known
  const sep = /^[A-Za-z]{1,9}[-_.]/.exec(name)?.[0]
  return sep ?? 'if'
}
