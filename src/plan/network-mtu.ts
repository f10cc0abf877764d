/**
 * Decision: the MTU of user-defined networks (`docker network create`, compose). `--mtu` reaches
 * only the default bridge; Docker Engine 24.0 added `--default-network-opt` for the others
 * (dockerd reference, "Default network options"). Older engines refuse the unknown flag and do
 * not start, so it is planned only when the version is known to be new enough. Either way the
 * clamp step (clamp.ts) covers TCP of the networks at 1500 that these options cannot reach.
 */
import { type DockerdSettings, BRIDGE_MTU_OPTION } from '../dockerd/settings.js'
import { parseEngineVersion, supportsDefaultNetworkOpt } from '../dockerd/engine-features.js'
import type { Plan } from '../model.js'
import { type PlanContext, step, type Step } from './step.js'

/** How user-defined networks get `mtu` (bytes): a --default-network-opt value to pass, or not, and whether new ones stay at 1500. */
export interface NetworkMtuReach {
  /** The --default-network-opt value to plan; null when not planned. */
  flag: string | null
  reason: string
  /** Networks created from now on, other than the default bridge, stay at 1500 (no flag and no setting of the user's). */
  newNetworksAtDefault: boolean
}

/** Whether and how user-defined networks get `mtu` (Docker Engine >= 24), or why not. */
export function networkMtuReach(mtu: number, settings: DockerdSettings, version: string | null | undefined): NetworkMtuReach {
  const given = settings.networkMtu
  if (given?.source === 'argv') return { flag: null, reason: `user-defined networks: keeping your ${given.text}`, newNetworksAtDefault: false }
  if (given) return { flag: null, reason: `user-defined networks: daemon.json default-network-opts sets ${BRIDGE_MTU_OPTION}=${String(given.value)}`, newNetworksAtDefault: false }
  const supported = supportsDefaultNetworkOpt(version)
  const flag = `bridge=${BRIDGE_MTU_OPTION}=${mtu}`
  if (supported === true) {
    return { flag, reason: `networks created by 'docker network create' and compose get mtu ${mtu} too (Docker Engine ${version} has --default-network-opt)`, newNetworksAtDefault: false }
  }
  const v = parseEngineVersion(version)
  const why = supported === false
    ? `Docker Engine ${v?.join('.')} predates --default-network-opt (24.0)`
    : 'Docker Engine version unknown, so --default-network-opt (24.0+) is not risked'
  return { flag: null, reason: `user-defined networks: ${why}; --mtu reaches only the default bridge`, newNetworksAtDefault: true }
}

/** The MTU step's value when it is one to give networks (an integer), else null. */
export function plannedMtu(sofar: Plan): number | null {
  return sofar.mtu !== null && Number.isInteger(sofar.mtu) ? sofar.mtu : null
}

/** The network MTU step: --default-network-opt, or why not; and a warning for daemon.json's singular key, which dockerd ignores. */
export function networkMtuStep({ state, settings }: PlanContext, sofar: Plan): Step {
  const out = step({})
  const mtu = plannedMtu(sofar)
  if (mtu !== null) {
    const reach = networkMtuReach(mtu, settings, state.dockerd_version)
    if (!reach.flag) out.reasons.push(reach.reason)
    else out.flags.push({ name: 'default-network-opt', value: reach.flag, reason: reach.reason })
  }
  if (settings.daemonJson && 'default-network-opt' in settings.daemonJson) {
    out.warnings.push('daemon.json has "default-network-opt"; dockerd reads the plural key "default-network-opts" and ignores this one')
  }
  return out
}
