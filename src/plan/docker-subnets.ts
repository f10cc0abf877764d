/**
 * Which address ranges belong to docker's bridges on this machine: docker0 and leftover br-*
 * bridges (their addresses and connected routes), the default 172.17.0.0/16, and what the user
 * configured (`--bip`, `--fixed-cidr`, `--default-address-pool`, and their daemon.json keys).
 * Sources: dockerd docs ("Daemon configuration file", "Customize the docker0 bridge").
 */
import { DOCKER0_DEFAULT_SUBNET, isDockerBridgeName } from '../dockerd/bridges.js'
import type { DockerdSettings } from '../dockerd/settings.js'
import type { Link, MachineState, Route } from '../model.js'
import { type Prefix, formatPrefix, isLinkScoped, prefixesOverlap, tryParsePrefix } from '../net/prefix.js'


export interface DockerSubnets {
  prefixes: Prefix[]
  /** One line saying where each range came from. */
  reason: string
}

/**
 * The docker bridge subnets of this machine whose entries can only be stale. A candidate is
 * dropped when it overlaps
 * - an address of a non-docker link: in a dind container on the outer docker0 (GitLab's runner),
 *   the pod's own eth0 may be 172.17.0.3/16, and its flows are not stale;
 * - a docker bridge that has ports: containers are attached, so a daemon is running there (a
 *   second dockerd beside the main one must not cut the first one's flows).
 */
export function dockerSubnets(state: MachineState, settings: DockerdSettings): DockerSubnets {
  const userBridge = settings.bridge
  const candidates: { p: Prefix, from: string }[] = []
  const live: { p: Prefix, from: string }[] = []
  const add = (text: unknown, from: string, into = candidates) => {
    const p = tryParsePrefix(text)
    if (p) into.push({ p, from })
  }
  const dockerLinks = new Set(state.links.filter((l) => isDockerBridgeName(l.name) || l.name === userBridge).map((l) => l.name))
  const portCount = (bridge: string) => state.links.filter((l) => l.master === bridge).length
  for (const name of dockerLinks) {
    const ports = portCount(name)
    const into = ports > 0 ? live : candidates
    const from = ports > 0 ? `${name}, in use by ${ports} port${ports === 1 ? '' : 's'}` : name
    for (const a of state.links.find((l) => l.name === name)?.addrs ?? []) if (!isLinkScoped(a)) add(a, from, into)
    for (const r of [...state.routes4, ...state.routes6]) if (r.dev === name && isBridgeNetworkRoute(r)) add(r.dst, `${from} route`, into)
  }
  add(DOCKER0_DEFAULT_SUBNET, 'dockerd default')
  add(settings.bip, '--bip')
  add(settings.fixedCidr, '--fixed-cidr')
  add(settings.fixedCidrV6, '--fixed-cidr-v6')
  for (const pool of settings.addressPools) add(pool.base, pool.from)

  const keepOut = [...foreignPrefixes(state.links, dockerLinks), ...live]
  const kept: { p: Prefix, from: string }[] = []
  const dropped: string[] = []
  for (const c of candidates) {
    const clash = keepOut.find((f) => prefixesOverlap(f.p, c.p))
    if (clash) { dropped.push(`${formatPrefix(c.p)} (overlaps ${clash.from})`); continue }
    if (!kept.some((k) => k.p.family === c.p.family && k.p.network === c.p.network && k.p.length === c.p.length)) kept.push(c)
  }
  const reason = `docker bridge subnets: ${kept.map((k) => `${formatPrefix(k.p)} (${k.from})`).join(', ') || 'none'}` +
    (dropped.length ? `; not stale: ${[...new Set(dropped)].join(', ')}` : '')
  return { prefixes: kept.map((k) => k.p), reason }
}
/**
 * A route that names the bridge's own network: not the default, not the local table's host,
 * broadcast and multicast entries, not link-local or multicast ranges (isLinkScoped) — counting
 * those would condemn the pod's own link-local and multicast flows.
 */
function isBridgeNetworkRoute(r: Route): boolean {
  if (r.dst === 'default' || (r.table ?? 'main') === 'local') return false
  if (['local', 'broadcast', 'multicast', 'anycast'].includes(String(r.type ?? 'unicast'))) return false
  return !isLinkScoped(r.dst)
}


function foreignPrefixes(links: Link[], dockerLinks: Set<string>): { p: Prefix, from: string }[] {
  const out: { p: Prefix, from: string }[] = []
  for (const l of links) {
    if (dockerLinks.has(l.name) || l.type === 'loopback') continue
    for (const a of l.addrs ?? []) {
      const p = tryParsePrefix(a)
      // Link-local IPv6 is on every link and says nothing about docker's ranges.
      if (p && !isLinkScoped(a)) out.push({ p, from: `${l.name} ${a}` })
    }
  }
  return out
}
