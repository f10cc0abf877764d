/**
 * The planner: a pure function from a machine-state snapshot to the dockerd argv and the actions
 * to apply before exec. No I/O, no clock, no environment: `plan --state FILE` replays any
 * snapshot exactly, and most tests exercise this function.
 *
 * Rules (README, "How the egress and MTU are chosen"):
 * - the user's explicit choice wins (argv or daemon.json); we warn when it looks wrong;
 * - we never pass a flag whose daemon.json key is set (dockerd refuses to start on that:
 *   "the following directives are specified both as a flag and in the configuration file");
 * - planned flags use the --flag=value form and come after the user's flags, in a fixed order;
 * - every decision adds one reason line.
 */
import type { Action, Decided, Link, MachineState, Plan, PlanOptions } from '../model.js'
import { DEFAULT_PLAN_OPTIONS } from '../model.js'
import { NET_ADDR_SET } from '../net/kernel.js'
import { bridgePorts, stableBridgeMac } from './bridge-mac.js'
import { dockerSubnets, isDockerBridgeName } from './docker-subnets.js'
import { configConflicts, configKeyOf } from '../dockerd/config-keys.js'
import { type FlagUse, isTrue, lastFlagValue, parseDockerdFlags } from '../dockerd/flags.js'
import { type ContainerPacket, type EgressResult, resolveEgress } from './egress.js'
import { parseEngineVersion, supportsDefaultNetworkOpt } from '../dockerd/engine-features.js'
import { formatPrefix, isLinkScoped, parsePrefix, prefixesOverlap, tryParsePrefix } from '../net/prefix.js'
import { allRoutesMtu, boundMtu, checkExplicitMtu, egressMtu, type ExplicitMtu, mtuValue, withProbedPathMtu } from './mtu.js'
import { describeStale, staleConntrackEntries } from './stale-conntrack.js'

/** daemon.json / flag key of the per-network MTU option of the bridge driver. */
export const BRIDGE_MTU_OPTION = 'com.docker.network.driver.mtu'

/**
 * Plans dockerd's flags and the actions to take for `state`.
 * @param state a MachineState (snapshot contract, shared/cases/README.md); any field may be missing.
 * @param opts our own options (--autonet-*); defaults: max MTU 1500, egress scope, all fixes on.
 * @returns the Plan; `error` is set when something asked of us cannot be done (the run mode then
 *   starts dockerd with the user's arguments unchanged). Throws only on a bug.
 */
export function planFromState(state: MachineState, opts: PlanOptions = DEFAULT_PLAN_OPTIONS): Plan {
  const argv = state.argv ?? []
  const links = state.links ?? []
  const daemonJson = state.daemon_json ?? null
  const flags = parseDockerdFlags(argv)
  const warnings: string[] = [...(state.read_errors ?? [])]
  const reasons: string[] = []
  const planned: { name: string, value: string, reason: string }[] = []
  const actions: Action[] = []
  let error: string | null = null

  warnings.push(...conflictWarnings(flags, daemonJson))

  const created = opts.createBridge ?? null
  const ipv6On = isTrue(lastFlagValue(flags, 'ipv6')?.value) || daemonJson?.ipv6 === true

  // --- egress and what it carries --------------------------------------------------------
  const { e4, e6, egress, userBridge, detected } = detectEgressMtu(state, opts)
  reasons.push(e4.reason)
  if (e6.found || (state.routes6 ?? []).length > 0) reasons.push(e6.reason)
  if (egress && (isDockerBridgeName(egress) || egress === userBridge)) {
    warnings.push(`the default route leaves via ${egress}, the bridge containers sit on: their traffic would loop back to them; check the routes (ip route) before starting dockerd`)
  }

  // --- MTU ----------------------------------------------------------------------------------
  const explicit = explicitMtu(flags, daemonJson)
  let mtu: number | null = null
  if (explicit) {
    mtu = explicit.value
    warnings.push(...checkExplicitMtu(explicit, detected, ipv6On))
    reasons.push(`mtu: keeping ${explicit.source}` + (detected ? ` (${detected.reason})` : ''))
  } else if (detected) {
    const bounded = boundMtu(detected, opts, ipv6On)
    warnings.push(...bounded.warnings)
    mtu = bounded.value
    planned.push({ name: 'mtu', value: String(mtu), reason: bounded.reason })
  } else {
    const why = [e4, e6].map((e) => e.reason).join('; ')
    warnings.push(`no default route to take the egress MTU from (${why}): not setting --mtu, dockerd's default stands`)
  }

  // --- user-defined networks ------------------------------------------------------------
  if (mtu !== null && Number.isInteger(mtu)) {
    const netOpt = planDefaultNetworkMtu(mtu, flags, daemonJson, state.dockerd_version)
    if (!netOpt.flag) reasons.push(netOpt.reason)
    else planned.push({ name: 'default-network-opt', value: netOpt.flag, reason: netOpt.reason })
    if (netOpt.clampNeeded && mtu < 1500) {
      if (opts.clampMss) {
        actions.push({ type: 'clamp-mss', mtu, ipv6: ipv6On, reason: `clamp TCP MSS of forwarded SYNs to the path MTU, so containers on networks created with 'docker network create' or compose (still at 1500) fit mtu ${mtu}; UDP/QUIC on those networks is not covered` })
      } else {
        reasons.push('MSS clamping disabled (--autonet-no-clamp-mss)')
      }
    }
  }
  if (daemonJson && 'default-network-opt' in daemonJson) {
    warnings.push('daemon.json has "default-network-opt"; dockerd reads the plural key "default-network-opts" and ignores this one')
  }

  // --- bridge to create (second daemon) and bridge MAC -------------------------------
  if (created) {
    const made = planCreateBridge(created, links, state)
    if ('error' in made) error = made.error
    else {
      if (made.warning) warnings.push(made.warning)
      if (made.action) actions.push(made.action)
      reasons.push(made.reason)
      if (!userBridge) planned.push({ name: 'bridge', value: created.name, reason: `containers attach to ${created.name} (--autonet-bridge)` })
      else if (userBridge !== created.name) warnings.push(`--autonet-bridge creates ${created.name} but dockerd is told to use ${userBridge}; not passing --bridge`)
    }
  }
  // The bridge dockerd will use but did not create: the user's, or ours when it exists already
  // (one we create gets its MAC from birth).
  const existing = (name: string | null | undefined) => !!name && links.some((l) => l.name === name)
  const toPin = userBridge && userBridge !== 'none'
    ? (created?.name === userBridge && !existing(userBridge) ? null : userBridge)
    : (created && existing(created.name) && error === null ? created.name : null)
  if (toPin) {
    const pin = planBridgeMac(toPin, links, opts.pinBridgeMac)
    if (pin.action) actions.push(pin.action)
    if (pin.warning) warnings.push(pin.warning)
    else reasons.push(pin.reason)
  }

  // --- stale conntrack ----------------------------------------------------------------------
  if (state.conntrack && state.conntrack.length > 0) {
    if (!opts.conntrackCleanup) reasons.push('conntrack clean-up disabled (--autonet-no-conntrack)')
    else {
      const subnets = dockerSubnets(state, flags, userBridge)
      const stale = staleConntrackEntries(state.conntrack, subnets.prefixes, links)
      if (stale.length === 0) reasons.push(`conntrack: none of ${state.conntrack.length} entries is stale (${subnets.reason})`)
      else {
        const d = describeStale(stale, state.conntrack.length)
        actions.push({ type: 'conntrack-delete', ids: d.value, entries: stale.map((s) => s.entry), reason: `${d.reason}; ${subnets.reason}` })
      }
    }
  }

  // --- never pass what daemon.json sets, never pass twice ------------------------------
  const args = [...argv]
  const ours: string[] = []
  for (const p of planned) {
    const key = configKeyOf(p.name)
    if (daemonJson && key in daemonJson) {
      reasons.push(`not passing --${p.name}: daemon.json sets "${key}" (dockerd refuses a setting given both ways)`)
      continue
    }
    ours.push(`--${p.name}=${p.value}`)
    reasons.push(`--${p.name}=${p.value}: ${p.reason}`)
  }
  const end = args.indexOf('--')
  args.splice(end === -1 ? args.length : end, 0, ...ours)

  return { egress, mtu, args, warnings, reasons, error, actions }
}

/** The egress of a machine state and the MTU it carries, before any choice of the user's. */
export interface DetectedEgress {
  e4: EgressResult
  e6: EgressResult
  /** Interface chosen as the egress (IPv4 first, else IPv6), null if none. */
  egress: string | null
  /** The bridge named by --bridge/-b or daemon.json "bridge", null if none. */
  userBridge: string | null
  /** What the path carries, in bytes (egress, or all-routes scope; lowered by a probe), with its reason; null without a route. */
  detected: (Decided<number> & { dev: string }) | null
}

/**
 * Resolves the egress of both families for the containers of the dockerd `state.argv` starts,
 * and the MTU that path carries, ignoring any MTU the user set and any upper bound: the
 * planner bounds and merges it; doctor compares running bridges with it. Pure.
 * @param opts only `mtuScope` and `createBridge` (the bridge containers sit on) are used.
 */
export function detectEgressMtu(state: MachineState, opts: Pick<PlanOptions, 'mtuScope' | 'createBridge'> = DEFAULT_PLAN_OPTIONS): DetectedEgress {
  const links = state.links ?? []
  const daemonJson = state.daemon_json ?? null
  const flags = parseDockerdFlags(state.argv ?? [])
  // Which bridge containers sit on decides the packet's source and incoming interface.
  const userBridge = lastFlagValue(flags, 'bridge')?.value ?? (typeof daemonJson?.bridge === 'string' ? daemonJson.bridge : null)
  const created = opts.createBridge ?? null
  const bridgeInUse = userBridge ?? created?.name ?? 'docker0'
  const e4 = resolveEgress(4, state.rules4, state.routes4 ?? [], links, containerPacket(4, flags, daemonJson, bridgeInUse, created?.cidr))
  const e6 = resolveEgress(6, state.rules6, state.routes6 ?? [], links, containerPacket(6, flags, daemonJson, bridgeInUse, null))
  const dockerBridges = new Set(links.filter((l) => isDockerBridgeName(l.name) || l.name === userBridge).map((l) => l.name))
  const detected = withProbedPathMtu(opts.mtuScope === 'all-routes'
    ? allRoutesMtu(links, [...(state.routes4 ?? []), ...(state.routes6 ?? [])], dockerBridges)
    : egressMtu([e4, e6]), state.pmtu_probe)
  return { e4, e6, egress: firstHop(e4) ?? firstHop(e6), userBridge, detected }
}

function firstHop(e: EgressResult): string | null {
  if (!e.found) return null
  // For multipath, the hop with the smallest MTU names the egress (it bounds the MTU).
  return [...e.hops].sort((a, b) => a.mtuBytes - b.mtuBytes)[0].dev
}

/** The MTU the user set: the last --mtu in argv, else daemon.json "mtu". */
function explicitMtu(flags: FlagUse[], daemonJson: Record<string, unknown> | null): ExplicitMtu | null {
  const flag = lastFlagValue(flags, 'mtu')
  if (flag) return { value: mtuValue(flag.value), raw: flag.value, source: `your ${flag.text}` }
  if (daemonJson && daemonJson.mtu !== undefined) {
    return { value: mtuValue(daemonJson.mtu), raw: String(daemonJson.mtu), source: `daemon.json "mtu": ${JSON.stringify(daemonJson.mtu)}` }
  }
  return null
}



/**
 * Flags the user gave that daemon.json also sets: dockerd will refuse to start. We cannot fix it
 * (both are the user's explicit choices), so we say it before dockerd does, naming both.
 */
function conflictWarnings(flags: FlagUse[], daemonJson: Record<string, unknown> | null): string[] {
  return configConflicts(flags, daemonJson).map(({ key, flag }) =>
    `"${key}" is set both in daemon.json (${JSON.stringify(daemonJson![key])}) and as a flag (${flag.text}): ` +
    'dockerd will refuse to start ("the following directives are specified both as a flag and in the configuration file"); remove one')
}

/** A source address containers on `bridge` would use, for matching `from` rules. */
function containerPacket(family: 4 | 6, flags: FlagUse[], daemonJson: Record<string, unknown> | null, bridge: string, createdCidr: string | null | undefined): ContainerPacket {
  const text = family === 4
    ? lastFlagValue(flags, 'bip')?.value ?? daemonJson?.bip ?? createdCidr ?? '172.17.0.1/16'
    : lastFlagValue(flags, 'fixed-cidr-v6')?.value ?? daemonJson?.['fixed-cidr-v6'] ?? null
  const p = tryParsePrefix(text, family)
  let src: string | null = null
  if (p && p.family === family) {
    const host = formatPrefix({ ...p, network: p.network + 2n, length: p.family === 4 ? 32 : 128 })
    src = host.split('/')[0]
  }
  return { src, fwmark: 0, iif: bridge }
}

/** Whether and how user-defined networks get the MTU (Docker Engine >= 24), else MSS clamping. */
function planDefaultNetworkMtu(mtu: number, flags: FlagUse[], daemonJson: Record<string, unknown> | null, version: string | null | undefined):
  { flag: string | null, reason: string, clampNeeded: boolean } {
  const already = flags.find((f) => f.name === 'default-network-opt' && f.value.includes(`${BRIDGE_MTU_OPTION}=`))
  if (already) return { flag: null, reason: `user-defined networks: keeping your ${already.text}`, clampNeeded: false }
  const fromFile = (daemonJson?.['default-network-opts'] as Record<string, Record<string, unknown>> | undefined)?.bridge?.[BRIDGE_MTU_OPTION]
  if (fromFile !== undefined) return { flag: null, reason: `user-defined networks: daemon.json default-network-opts sets ${BRIDGE_MTU_OPTION}=${String(fromFile)}`, clampNeeded: false }
  const supported = supportsDefaultNetworkOpt(version)
  const flag = `bridge=${BRIDGE_MTU_OPTION}=${mtu}`
  if (supported === true) {
    return { flag, reason: `networks created by 'docker network create' and compose get mtu ${mtu} too (Docker Engine ${version} has --default-network-opt)`, clampNeeded: false }
  }
  const v = parseEngineVersion(version)
  const why = supported === false
    ? `Docker Engine ${v?.join('.')} predates --default-network-opt (24.0)`
    : 'Docker Engine version unknown, so --default-network-opt (24.0+) is not risked'
  return { flag: null, reason: `user-defined networks: ${why}; --mtu reaches only the default bridge`, clampNeeded: true }
}

/** Pin the MAC of a bridge dockerd did not create, unless it is pinned already or opted out. */
function planBridgeMac(bridge: string, links: Link[], enabled: boolean): { action?: Action, reason: string, warning?: string } {
  const link = links.find((l) => l.name === bridge)
  if (!link) {
    return { reason: '', warning: `bridge "${bridge}" named by --bridge/daemon.json does not exist: dockerd will fail to start; create it or use --autonet-bridge=${bridge}=CIDR` }
  }
  if (link.type !== 'bridge') return { reason: '', warning: `"${bridge}" named by --bridge is a ${link.type} link, not a bridge` }
  if (link.addr_assign_type === NET_ADDR_SET) return { reason: `bridge ${bridge}: MAC ${link.mac} already set explicitly (addr_assign_type 3), kept` }
  if (!enabled) return { reason: `bridge ${bridge}: MAC pinning disabled (--autonet-no-bridge-mac); it follows its lowest port's MAC` }
  const ports = bridgePorts(links, bridge)
  const mac = stableBridgeMac(bridge, links.map((l) => l.mac))
  return {
    action: { type: 'pin-bridge-mac', bridge, mac, reason: `bridge ${bridge} has no fixed MAC (now ${link.mac ?? 'unknown'}, follows the lowest of its ${ports.length} ports); pin ${mac}, derived from its name` },
    reason: `bridge ${bridge}: pin MAC ${mac}`,
  }
}

/**
 * Create a second daemon's bridge. Idempotent: a bridge that exists with that address needs
 * nothing; one that exists without any address gets it (ensureBridge adds only what is missing);
 * a link of that name with another address or of another kind is a clash, named in the error.
 */
function planCreateBridge(req: { name: string, cidr: string }, links: Link[], state: MachineState):
  { action?: Action, reason: string, warning?: string } | { error: string } {
  let want
  try { want = parsePrefix(req.cidr) } catch (e) { return { error: `--autonet-bridge=${req.name}=${req.cidr}: ${(e as Error).message}` } }
  const mac = stableBridgeMac(req.name, links.map((l) => l.mac))
  const existing = links.find((l) => l.name === req.name)
  if (existing) {
    // Link-local IPv6 appears on every up link and says nothing about the bridge's network.
    const global = (existing.addrs ?? []).filter((a) => !isLinkScoped(a))
    if (existing.type !== 'bridge') {
      return { error: `--autonet-bridge=${req.name}=${req.cidr}: ${req.name} exists as a ${existing.type} with ${global.join(', ') || 'no address'}; remove it or choose another name` }
    }
    if (global.length > 0 && !global.includes(req.cidr)) {
      // Still that daemon's own bridge: falling back to no --bridge would put a second daemon on
      // the first one's docker0. Use it as it is and say so.
      return {
        reason: `bridge ${req.name} exists with ${global.join(', ')}: used as it is`,
        warning: `--autonet-bridge=${req.name}=${req.cidr}: ${req.name} exists with ${global.join(', ')}, not ${req.cidr}; dockerd uses it as it is (remove it, or fix the option, to get ${req.cidr})`,
      }
    }
    if (global.includes(req.cidr)) return { reason: `bridge ${req.name} exists with ${req.cidr}: nothing to create` }
    return {
      action: { type: 'create-bridge', bridge: req.name, cidr: req.cidr, mac, reason: `bridge ${req.name} exists without an address: add ${req.cidr}` },
      reason: `bridge ${req.name} exists without an address: add ${req.cidr}`,
    }
  }
  for (const r of [...(state.routes4 ?? []), ...(state.routes6 ?? [])]) {
    const p = tryParsePrefix(r.dst)
    if (p && p.length > 0 && prefixesOverlap(p, want) && (r.table ?? 'main') !== 'local') {
      return { error: `--autonet-bridge=${req.name}=${req.cidr} overlaps the route ${r.dst} dev ${r.dev ?? '?'}; choose another range` }
    }
  }
  return {
    action: { type: 'create-bridge', bridge: req.name, cidr: req.cidr, mac, reason: `create bridge ${req.name} with ${req.cidr} and fixed MAC ${mac}` },
    reason: `bridge ${req.name} missing: create it with ${req.cidr}, MAC ${mac}`,
  }
}
