/**
 * Decision: clamp the TCP MSS of forwarded SYNs to the path MTU, on every engine, whenever the
 * MTU containers get is below dockerd's default 1500. `--mtu` and `--default-network-opt`
 * (network-mtu.ts) reach only the networks dockerd creates from now on; these stay at 1500 and
 * fall into a PMTU black hole without the clamp (issue 13, measured by the e2e tests
 * persisted-network, explicit-mtu-network and nested-engine on dockerd 20.10, 26.1 and 28.5):
 *  - networks already stored in a persistent data-root;
 *  - networks created with an explicit `com.docker.network.driver.mtu=1500`;
 *  - engines nested in a container of this one (dind in dind, buildkitd's CNI bridge, kind),
 *    whose own bridges are at 1500;
 *  - on engines before 24.0 (no --default-network-opt), every user-defined and compose network.
 * TCPMSS rewrites the MSS option of SYNs only (iptables-extensions(8)): UDP and QUIC are not
 * covered, and the reason says so. Off with --autonet-no-clamp-mss.
 */
import type { Plan } from '../model.js'
import { DOCKERD_DEFAULT_MTU } from '../net/mtu-limits.js'
import { networkMtuReach, plannedMtu } from './network-mtu.js'
import { type PlanContext, step, type Step } from './step.js'

/** The clamp step: a clamp-mss action, or the reason it is off; nothing when the path carries dockerd's default 1500. */
export function clampStep({ state, opts, settings }: PlanContext, sofar: Plan): Step {
  const mtu = plannedMtu(sofar)
  if (mtu === null || mtu >= DOCKERD_DEFAULT_MTU) return step({})
  if (!opts.clampMss) return step({ reasons: [`MSS clamping disabled (--autonet-no-clamp-mss): networks still at ${DOCKERD_DEFAULT_MTU} (persisted, explicit mtu, nested engines) can stall on TCP`] })
  const reach = networkMtuReach(mtu, settings, state.dockerd_version)
  const atDefault = reach.newNetworksAtDefault
    ? `networks created with 'docker network create' or compose, networks already in the data-root or created with an explicit mtu, and engines nested in containers (all still at ${DOCKERD_DEFAULT_MTU})`
    : `networks already in the data-root or created with an explicit mtu, and engines nested in containers (still at ${DOCKERD_DEFAULT_MTU}: the MTU options reach only networks created from now on)`
  return step({
    actions: [{
      type: 'clamp-mss', mtu, ipv6: settings.ipv6,
      reason: `clamp TCP MSS of forwarded SYNs to the path MTU, so TCP of ${atDefault} fits mtu ${mtu}; UDP/QUIC on those networks is not covered`,
    }],
  })
}
