/**
 * Decision: the bridge containers sit on. A second daemon's bridge is created when asked
 * (--autonet-bridge=NAME=CIDR) and passed as --bridge; a bridge dockerd did not create (the
 * user's, or ours when it exists already) gets a fixed MAC, because a Linux bridge without one
 * follows the lowest MAC of its ports (bridge-mac.ts).
 */
import { fileBridgeClash, ownBridgeChoice, type DockerdSettings } from '../dockerd/settings.js'
import type { Action, Link, MachineState, PlanOptions } from '../model.js'
import { bridgePorts, stableBridgeMac } from '../net/bridge-mac.js'
import { NET_ADDR_SET } from '../net/kernel.js'
import { isLinkScoped, parsePrefix, prefixesOverlap, tryParsePrefix } from '../net/prefix.js'
import { type PlanContext, step, type Step } from './step.js'

/** The bridge step: create-bridge and pin-bridge-mac actions, --bridge, or the error that stops us creating one. */
export function bridgeStep({ state, opts, settings }: PlanContext): Step {
  const links = state.links ?? []
  const out = step({})
  const { bridge: created, overridden } = requestedBridge(opts, settings)
  if (overridden) out.warnings.push(overridden)
  const userBridge = settings.bridge
  const clash = created ? fileBridgeClash(settings.daemonJson, created.name) : null
  if (created && clash) {
    // Neither way is safe: no --bridge is docker0, ours clashes with the key. We step aside, and
    // the start still passes --bridge=NAME (invocation.ts fallbackArgs) for dockerd to refuse.
    out.error = `--autonet-bridge=${created.name}=${created.cidr} and ${clash.text} (docker0): dockerd refuses --bridge=${created.name} next to that key ` +
      `("specified both as a flag and in the configuration file"), and without it a second daemon would share docker0 with the first; ${clash.fix}`
  } else if (created) {
    const made = planCreateBridge(created, links, state)
    if ('error' in made) out.error = made.error
    else {
      if (made.warning) out.warnings.push(made.warning)
      if (made.action) out.actions.push(made.action)
      out.reasons.push(made.reason)
      if (!userBridge) out.flags.push({ name: 'bridge', value: created.name, reason: `containers attach to ${created.name} (--autonet-bridge)` })
    }
  }
  // The bridge dockerd will use but did not create: the user's, or ours when it exists already
  // (one we create gets its MAC from birth).
  const existing = (name: string | null | undefined) => !!name && links.some((l) => l.name === name)
  // docker0 named by the user is still dockerd's own: it creates it, with its MAC, when missing.
  const toPin = userBridge && userBridge !== 'none' && userBridge !== 'docker0'
    ? (created?.name === userBridge && !existing(userBridge) ? null : userBridge)
    : (created && existing(created.name) && out.error === undefined ? created.name : null)
  if (toPin) {
    const pin = planBridgeMac(toPin, links, opts.pinBridgeMac, state.links != null)
    if ('refused' in pin) out.error ??= pin.refused
    else {
      if (pin.action) out.actions.push(pin.action)
      if (pin.warning) out.warnings.push(pin.warning)
      else out.reasons.push(pin.reason)
    }
  }
  return out
}

/**
 * The bridge --autonet-bridge asks for, or null when the user's own choice of the default
 * bridge or its address stands in its way (ownBridgeChoice; a -b naming that very bridge is no
 * clash: it is the one to create). The user's choice wins: ours is neither created nor passed,
 * and `overridden` is the one line saying so, naming both.
 */
export function requestedBridge(opts: Pick<PlanOptions, 'createBridge'>, settings: DockerdSettings): { bridge: { name: string, cidr: string } | null, overridden: string | null } {
  const asked = opts.createBridge ?? null
  const own = asked ? ownBridgeChoice(settings) : null
  if (!asked || !own || (own.key === 'bridge' && settings.bridge === asked.name)) return { bridge: asked, overridden: null }
  const refused = own.key === 'bridge' ? '' : ` (dockerd refuses -b with --${own.key})`
  return {
    bridge: null,
    overridden: `--autonet-bridge=${asked.name}=${asked.cidr} and ${own.text}${refused}: your choice wins: ${asked.name} is not created and --bridge=${asked.name} is not passed`,
  }
}

/**
 * Pin the MAC of a bridge dockerd did not create, unless it is pinned already or opted out.
 * `linksRead`: the machine's links were read, so a bridge missing from them is missing. A bridge
 * that is missing or no bridge is `refused`: dockerd's bridge driver will not start on it (moby
 * libnetwork/drivers/bridge: "bridge device with non default name NAME must be created
 * manually", "existing interface NAME is not a bridge"), so the start steps aside and nothing
 * is applied (contract point 4); with the links unread it is only a warning.
 */
function planBridgeMac(bridge: string, links: Link[], enabled: boolean, linksRead: boolean):
  { action?: Action, reason: string, warning?: string } | { refused: string } {
  const link = links.find((l) => l.name === bridge)
  if (!link) {
    const missing = `bridge "${bridge}" named by --bridge/daemon.json does not exist`
    const fix = `create it or use --autonet-bridge=${bridge}=CIDR`
    return linksRead
      ? { refused: `${missing}: dockerd refuses to start without it ("bridge device with non default name ${bridge} must be created manually"); ${fix}` }
      : { reason: '', warning: `bridge "${bridge}" named by --bridge/daemon.json: the links were not read, so it is not known to exist; dockerd fails to start if it does not; ${fix}` }
  }
  if (link.type !== 'bridge') return { refused: `"${bridge}" named by --bridge/daemon.json is a ${link.type} link, not a bridge: dockerd refuses to start on it ("existing interface ${bridge} is not a bridge")` }
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
      // Never enslaved, addressed or set up: it is someone else's link. --bridge=NAME still goes
      // to dockerd (point 5), whose bridge driver refuses it (moby newInterface).
      return { error: `--autonet-bridge=${req.name}=${req.cidr}: ${req.name} exists as a ${existing.type} with ${global.join(', ') || 'no address'}, not a bridge: not taken over; dockerd is still told --bridge=${req.name} and will refuse it ("existing interface ${req.name} is not a bridge"); remove it or choose another name` }
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
