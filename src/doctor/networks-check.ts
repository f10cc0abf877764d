/**
 * doctor's check of a running dockerd's user-defined bridge networks (`GET /networks`): each one
 * whose MTU is above the egress MTU, named with its id, its MTU and where that comes from, and
 * how to recreate it.
 *
 * Why networks need their own check: a network keeps the MTU it was created with. The bridge
 * driver reads com.docker.network.driver.mtu from the network's options when the network is
 * made and sets a container's veth MTU only when that is non-zero, else the veth keeps the
 * kernel's 1500 (moby daemon/libnetwork/drivers/bridge: parseNetworkGenericOptions, and
 * "if config.Mtu != 0" before LinkSetMTU). `--mtu` reaches only the default bridge network
 * (moby daemon_unix.go initBridgeDriver passes it as that network's DriverMTU), and
 * `--default-network-opt` (Engine 24) is merged into a network's options only when it is
 * created. So a network stored in a persistent data-root by an earlier daemon, or created with
 * an explicit 1500, stays at 1500 whatever the daemon is told now.
 */
import { BRIDGE_MTU_OPTION } from '../dockerd/settings.js'
import { DOCKERD_DEFAULT_MTU } from '../net/mtu-limits.js'
import type { Egress } from '../plan/index.js'
import type { Finding, NetworkInfo, RunningDockerd } from './types.js'

/** The MTU a bridge network's containers get (bytes), and where it comes from. */
export function networkMtu(n: NetworkInfo): { value: number, source: string } {
  if (n.mtu !== null) return { value: n.mtu, source: `its ${BRIDGE_MTU_OPTION}=${n.mtu} option, fixed when it was created` }
  return {
    value: DOCKERD_DEFAULT_MTU,
    source: `no ${BRIDGE_MTU_OPTION} option: the bridge driver leaves its veths at the kernel's ${DOCKERD_DEFAULT_MTU}; --mtu reaches only the default bridge`,
  }
}

/**
 * One finding per user-defined bridge network of `d` (the default "bridge" network is the mtu
 * check's): a problem when its MTU is above `egress`'s, else ok. Nothing without an egress or
 * without the daemon's network list (the api finding says why).
 */
export function checkNetworks(d: RunningDockerd, egress: Egress | null): Finding[] {
  if (!egress || !d.api.networks) return []
  const out: Finding[] = []
  for (const n of d.api.networks) {
    if (n.driver !== 'bridge' || n.name === 'bridge') continue
    const mtu = networkMtu(n)
    const data = { pid: d.pid, network: n.name, id: n.id, bridge: n.bridge, mtu: mtu.value, egress: egress.dev, egress_mtu: egress.mtu, compose_project: n.compose_project ?? null }
    const subject = `network ${n.name}`
    if (mtu.value <= egress.mtu) {
      out.push({ check: 'network', severity: 'ok', subject, mtu: mtu.value, data, message: `network "${n.name}" (id ${n.id}): mtu ${mtu.value} fits the egress ${egress.dev} mtu ${egress.mtu}`, fix: null })
      continue
    }
    out.push({
      check: 'network', severity: 'problem', subject, mtu: mtu.value, data,
      message: `network "${n.name}" (id ${n.id}, dockerd pid ${d.pid}${n.compose_project ? `, compose project "${n.compose_project}"` : ''}) gives its containers mtu ${mtu.value} (${mtu.source}), ` +
        `larger than the egress ${egress.dev} mtu ${egress.mtu}: their packets larger than ${egress.mtu} are lost (PMTU black hole); ` +
        'a network keeps the MTU it was created with (--default-network-opt applies only to networks created after it)',
      fix: recreate(n, egress.mtu),
    })
  }
  return out
}

/** How to make a network anew at `mtu`: through its compose project when it has one. */
function recreate(n: NetworkInfo, mtu: number): string {
  const first = `first start dockerd through dockerd-autonet (Engine 24+: it passes --default-network-opt=bridge=${BRIDGE_MTU_OPTION}=${mtu}) so new networks get mtu ${mtu}`
  if (n.compose_project) {
    return `${first}, then recreate the project's networks: docker compose -p ${n.compose_project} down, then docker compose -p ${n.compose_project} up -d`
  }
  const explicit = n.mtu !== null ? ` (not with the explicit ${BRIDGE_MTU_OPTION}=${n.mtu})` : ''
  return `recreate it${explicit}: docker network rm ${n.name}, then docker network create --opt ${BRIDGE_MTU_OPTION}=${mtu} [its other options] ${n.name} ` +
    `(stop or disconnect its containers first, and reconnect them after); or ${first} and create it without the option`
}
