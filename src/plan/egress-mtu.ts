/**
 * Decision: the egress and the MTU containers get. The egress is resolved for both families as
 * the kernel would route a container packet (egress.ts); its MTU (or, with
 * --autonet-mtu-scope=all-routes, the smallest routed link's), lowered by a probe, is bounded
 * and planned as --mtu, unless the user chose an MTU, which is kept and checked (mtu.ts). A
 * rootless dockerd's containers get at most rootlesskit's MTU (rootless.ts).
 */
import { DOCKER0_DEFAULT_BIP, isDockerBridgeName } from '../dockerd/bridges.js'
import { type DockerdSettings, refusedMtu } from '../dockerd/settings.js'
import type { MachineState, PlanOptions } from '../model.js'
import type { Family } from '../net/family.js'
import { DOCKERD_DEFAULT_MTU } from '../net/mtu-limits.js'
import { formatAddress, tryParsePrefix } from '../net/prefix.js'
import { requestedBridge } from './bridge.js'
import { type ContainerPacket, type DefaultRouteLookup, resolveEgress } from './egress.js'
import { allRoutesMtu, boundMtu, checkExplicitMtu, type Egress, egressMtu, withProbedPathMtu } from './mtu.js'
import { detectRootless, withRootlessMtu } from './rootless.js'
import { type PlanContext, step, type Step } from './step.js'

/** The default routes of both families for container packets, and the egress they give. */
export interface EgressRoutes {
  v4: DefaultRouteLookup
  v6: DefaultRouteLookup
  /** Interface named as the egress (IPv4 first, else IPv6; of a multipath route, the hop with the smallest MTU); null if none. */
  dev: string | null
  /** What the path carries (egress, or all-routes scope; lowered by a probe), before any choice of the user's; null without a route. */
  egress: Egress | null
}

/**
 * Resolves the egress of both families for the containers of a dockerd with `settings`, and
 * the MTU that path carries, ignoring any MTU the user set and any upper bound: the planner
 * bounds and merges it; doctor compares running bridges with it. Pure.
 * @param opts only `mtuScope` and `createBridge` (the bridge containers sit on) are used.
 */
export function detectEgress(state: MachineState, settings: DockerdSettings, opts: Pick<PlanOptions, 'mtuScope' | 'createBridge'>): EgressRoutes {
  const links = state.links ?? []
  // A bridge of ours the user's own choice overrides is not where containers sit (bridge.ts).
  const created = requestedBridge(opts, settings).bridge
  // Which bridge containers sit on decides the packet's source and incoming interface.
  const bridgeInUse = settings.bridge ?? created?.name ?? 'docker0'
  const v4 = resolveEgress(4, state.rules4, state.routes4 ?? [], links, containerPacket(4, settings, bridgeInUse, created?.cidr))
  const v6 = resolveEgress(6, state.rules6, state.routes6 ?? [], links, containerPacket(6, settings, bridgeInUse, null))
  const dockerBridges = new Set(links.filter((l) => isDockerBridgeName(l.name) || l.name === settings.bridge).map((l) => l.name))
  const path = withProbedPathMtu(opts.mtuScope === 'all-routes'
    ? allRoutesMtu(links, [...(state.routes4 ?? []), ...(state.routes6 ?? [])], dockerBridges)
    : egressMtu([v4, v6]), state.pmtu_probe)
  const egress = withRootlessMtu(path, detectRootless(state, settings))
  return { v4, v6, dev: firstHop(v4) ?? firstHop(v6), egress }
}

/** The egress step: reasons for both families' routes, then --mtu planned, or the user's kept. */
export function egressMtuStep({ state, opts, settings, routes }: PlanContext): Step {
  const { v4, v6, dev, egress } = routes
  const reasons = [v4.reason]
  if (v6.found || (state.routes6 ?? []).length > 0) reasons.push(v6.reason)
  const warnings: string[] = []
  if (dev && (isDockerBridgeName(dev) || dev === settings.bridge)) {
    warnings.push(`the default route leaves via ${dev}, the bridge containers sit on: their traffic would loop back to them; check the routes (ip route) before starting dockerd`)
  }
  const refused = refusedMtu(settings)
  if (refused) {
    // dockerd will not start on it (a start steps aside: start-decision.ts): nothing to plan for.
    warnings.push(refused)
    reasons.push('mtu: none planned, dockerd refuses the MTU it is given')
    return step({ reasons, warnings, mtu: null })
  }
  // dockerd reads an MTU of 0 as "not set": its default of 1500 (moby daemon/config: only a
  // negative MTU is refused), so 0 is planned for like no MTU at all; so is daemon.json
  // "mtu": null (Go's encoding/json leaves the int alone), the one MTU left without a value.
  const unset = settings.mtu !== null && (settings.mtu.value === 0 || settings.mtu.value === null) ? settings.mtu : null
  const explicit = unset ? null : settings.mtu
  if (unset) {
    reasons.push(`mtu: ${unset.source} means dockerd's default (${DOCKERD_DEFAULT_MTU}); planning as if no MTU were set`)
  }
  if (explicit) {
    warnings.push(...checkExplicitMtu(explicit, egress, settings.ipv6))
    reasons.push(`mtu: keeping ${explicit.source}` + (egress ? ` (${egress.reason})` : ''))
    return step({ reasons, warnings, mtu: explicit.value })
  }
  if (egress) {
    const bounded = boundMtu(egress, opts, settings.ipv6)
    warnings.push(...bounded.warnings)
    if (settings.mtu?.flag === null && bounded.value < DOCKERD_DEFAULT_MTU) {
      // daemon.json "mtu": 0: a --mtu flag would make dockerd refuse the file, so only the user can fix it.
      warnings.push(`${settings.mtu.source} gives containers ${DOCKERD_DEFAULT_MTU}, more than the egress ${egress.dev} mtu ${egress.mtu}: ` +
        `full-size packets will be lost; set "mtu": ${bounded.value} in daemon.json (--mtu cannot be passed while daemon.json sets "mtu")`)
    }
    return step({ reasons, warnings, mtu: bounded.value, flags: [{ name: 'mtu', value: String(bounded.value), reason: bounded.reason }] })
  }
  const why = [v4, v6].map((e) => e.reason).join('; ')
  warnings.push(`no default route to take the egress MTU from (${why}): not setting --mtu, dockerd's default stands`)
  return step({ reasons, warnings, mtu: null })
}

function firstHop(e: DefaultRouteLookup): string | null {
  if (!e.found) return null
  // For multipath, the hop with the smallest MTU names the egress (it bounds the MTU).
  return [...e.hops].sort((a, b) => a.mtuBytes - b.mtuBytes)[0].dev
}

/** A source address containers on `bridge` would use (the bridge subnet's first host after the gateway), for matching `from` rules. */
function containerPacket(family: Family, settings: DockerdSettings, bridge: string, createdCidr: string | null | undefined): ContainerPacket {
  const text = family === 4 ? settings.bip ?? createdCidr ?? DOCKER0_DEFAULT_BIP : settings.fixedCidrV6
  const p = tryParsePrefix(text, family)
  const src = p && p.family === family ? formatAddress(p.family, p.network + 2n) : null
  return { src, fwmark: 0, iif: bridge }
}
