/**
 * What the path carries and what containers may get: the egress MTU (or the smallest routed
 * link's), lowered by a probe, then bounded; and what to say about an MTU the user chose.
 *
 * Bounds and why (the numbers: src/net/mtu-limits.ts):
 * - at most `maxMtu` (1500 by default): a 9001-byte AWS NIC says nothing about the path beyond it
 *   (moby #7796, cloudfoundry/guardian#77), so jumbo frames are an opt-in;
 * - at least 576: the minimum datagram every IPv4 host must accept (RFC 791, RFC 1122 3.3.3);
 * - below 1280 IPv6 cannot work at all (RFC 8200 section 5), so we warn when IPv6 is on.
 */
import type { ExplicitMtu } from '../dockerd/settings.js'
import type { Link, PlanOptions, PmtuProbe, Route } from '../model.js'
import { IPV4_MIN_MTU, IPV6_MIN_MTU, isUsableMtu } from '../net/mtu-limits.js'
import type { DefaultRouteLookup } from './egress.js'

/** The egress: an interface container traffic leaves by and the MTU its path carries, with why. */
export interface Egress {
  dev: string
  /** MTU in bytes, IP header included. */
  mtu: number
  reason: string
}

/** The MTU the egress can carry: the smallest over both families' hops, with its reason. */
export function egressMtu(results: DefaultRouteLookup[]): Egress | null {
  let best: { value: number, dev: string, family: number } | null = null
  for (const r of results) {
    if (!r.found) continue
    for (const h of r.hops) {
      if (best === null || h.mtuBytes < best.value) best = { value: h.mtuBytes, dev: h.dev, family: r.family }
    }
  }
  if (best === null) return null
  const both = results.filter((r) => r.found).length > 1
  const reason = `egress ${best.dev} via ${both ? `IPv${best.family} ` : ''}default route, mtu ${best.value}` +
    (both ? ' (smaller of IPv4 and IPv6 egress)' : '')
  return { mtu: best.value, dev: best.dev, reason }
}

/**
 * "all-routes" scope: the smallest MTU over every up link that carries a route containers could
 * use, loopback and docker's own bridges excluded (they are the containers' side, not the path).
 */
export function allRoutesMtu(links: Link[], routes: Route[], dockerBridges: Set<string>): Egress | null {
  const byName = new Map(links.map((l) => [l.name, l]))
  let best: Link | null = null
  for (const r of routes) {
    if ((r.table ?? 'main') === 'local' || ['local', 'broadcast', 'multicast', 'anycast', 'unreachable', 'blackhole', 'prohibit', 'throw'].includes(String(r.type ?? 'unicast'))) continue
    const devs = r.nexthops?.length ? r.nexthops.map((h) => h.dev) : [r.dev]
    for (const dev of devs) {
      const link = dev ? byName.get(dev) : undefined
      if (!link || !link.up || link.type === 'loopback' || dockerBridges.has(link.name) || !isUsableMtu(link.mtu)) continue
      if (best === null || link.mtu < best.mtu) best = link
    }
  }
  if (best === null) return null
  return { mtu: best.mtu, dev: best.name, reason: `smallest MTU over all routed links (--autonet-mtu-scope=all-routes): ${best.name}, mtu ${best.mtu}` }
}

/**
 * The detected MTU, lowered to the path MTU the opt-in probe measured (`pmtu_probe`, from
 * --autonet-probe=HOST) when that is smaller: a hop beyond the egress may carry less than the
 * egress link, and with its ICMP "fragmentation needed" filtered nothing else would tell us.
 * A probe without a result (mtu null: no answer) changes nothing; the reader already warned.
 */
export function withProbedPathMtu(detected: Egress | null, probe: PmtuProbe | null | undefined): Egress | null {
  if (!detected || !probe || !isUsableMtu(probe.mtu)) return detected
  const via = `${probe.host}${probe.address && probe.address !== probe.host ? ` (${probe.address})` : ''}`
  if (probe.mtu >= detected.mtu) {
    return { ...detected, reason: `${detected.reason}; path MTU to ${via} probed: ${probe.mtu} bytes get through with Don't Fragment set, the egress MTU stands` }
  }
  return {
    mtu: probe.mtu, dev: detected.dev,
    reason: `${detected.reason}, lowered to ${probe.mtu}: the path MTU to ${via} probed with Don't-Fragment pings (a hop beyond ${detected.dev} carries less)`,
  }
}

/** Bounds a detected MTU for planning; returns the value, the reason, and warnings. */
export function boundMtu(detected: Egress, opts: PlanOptions, ipv6On: boolean): { value: number, reason: string, warnings: string[] } {
  const warnings: string[] = []
  let value = detected.mtu
  let reason = detected.reason
  if (value > opts.maxMtu) {
    reason += `, capped at ${opts.maxMtu} (raise with --autonet-max-mtu for jumbo frames)`
    value = opts.maxMtu
  }
  if (value < IPV4_MIN_MTU) {
    warnings.push(`egress MTU ${value} is below ${IPV4_MIN_MTU}, the IPv4 minimum datagram size; planning ${IPV4_MIN_MTU}: check the interface`)
    value = IPV4_MIN_MTU
    reason += `, raised to ${IPV4_MIN_MTU}`
  }
  if (ipv6On && value < IPV6_MIN_MTU) {
    warnings.push(`MTU ${value} is below ${IPV6_MIN_MTU}, the IPv6 minimum (RFC 8200): containers with IPv6 will fail to start`)
  }
  return { value, reason, warnings }
}

/** Warnings for an MTU the user chose that dockerd takes (settings.ts refusedMtu has those it refuses): larger than the egress, or under IPv6's floor. */
export function checkExplicitMtu(explicit: ExplicitMtu, egress: Egress | null, ipv6On: boolean): string[] {
  const warnings: string[] = []
  // One dockerd refuses (unreadable, negative, outside 68..65535) never gets here: settings.ts
  // refusedMtu. null is daemon.json "mtu": null, which leaves dockerd's default.
  if (explicit.value === null) return warnings
  if (egress && explicit.value > egress.mtu) {
    warnings.push(`${explicit.source} is larger than the egress ${egress.dev} mtu ${egress.mtu}: ` +
      `full-size packets will be lost (PMTU black hole); kept because you set it — lower it to ${egress.mtu} or remove it`)
  }
  if (ipv6On && explicit.value < IPV6_MIN_MTU) {
    warnings.push(`${explicit.source} is below ${IPV6_MIN_MTU}, the IPv6 minimum MTU (RFC 8200), and IPv6 is enabled: ` +
      'containers will fail to start ("error setting interface IPv6 ... invalid argument")')
  }
  return warnings
}
