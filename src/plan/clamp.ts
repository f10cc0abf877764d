/**
 * Decision: clamp the TCP MSS of forwarded SYNs to the path MTU, for the networks dockerd
 * cannot be told an MTU for (engines before 24.0: network-mtu.ts). Planned only below dockerd's
 * default MTU, where those networks' 1500 would not fit.
 */
import type { Plan } from '../model.js'
import { DOCKERD_DEFAULT_MTU } from '../net/mtu-limits.js'
import { networkMtuReach, plannedMtu } from './network-mtu.js'
import { type PlanContext, step, type Step } from './step.js'

/** The clamp step: a clamp-mss action, or the reason it is off; nothing when networks get the MTU anyway. */
export function clampStep({ state, opts, settings }: PlanContext, sofar: Plan): Step {
  const mtu = plannedMtu(sofar)
  if (mtu === null || mtu >= DOCKERD_DEFAULT_MTU || !networkMtuReach(mtu, settings, state.dockerd_version).clampNeeded) return step({})
  if (!opts.clampMss) return step({ reasons: ['MSS clamping disabled (--autonet-no-clamp-mss)'] })
  return step({
    actions: [{
      type: 'clamp-mss', mtu, ipv6: settings.ipv6,
      reason: `clamp TCP MSS of forwarded SYNs to the path MTU, so containers on networks created with 'docker network create' or compose (still at ${DOCKERD_DEFAULT_MTU}) fit mtu ${mtu}; UDP/QUIC on those networks is not covered`,
    }],
  })
}
