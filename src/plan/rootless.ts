/**
 * Whether dockerd runs rootless (under rootlesskit), and what that means for the plan.
 *
 * Facts and sources:
 * - rootlesskit sets ROOTLESSKIT_STATE_DIR for its child (rootlesskit cmd/rootlesskit/main.go,
 *   "documented"), and dockerd takes that variable alone as rootless mode (moby
 *   daemon/internal/rootless.RunningWithRootlessKit); `--rootless` / daemon.json "rootless"
 *   say it explicitly.
 * - docker:dind-rootless's dockerd-entrypoint.sh (docker-library/docker) treats a non-root uid
 *   as "we must be trying to run rootless" and runs `rootlesskit
 *   --net=${DOCKERD_ROOTLESS_ROOTLESSKIT_NET:-slirp4netns}
 *   --mtu=${DOCKERD_ROOTLESS_ROOTLESSKIT_MTU:-1500} … docker-init -- dockerd …`; moby's
 *   contrib/dockerd-rootless.sh reads the same DOCKERD_ROOTLESS_ROOTLESSKIT_* variables.
 * - rootlesskit's network drivers (rootlesskit docs/network.md): slirp4netns, vpnkit, pasta and
 *   gvisor-tap-vsock are user-mode stacks behind a tap device: they end the containers' TCP
 *   connections and open their own from host sockets, so a container's segments never cross
 *   the outer path as they are, and the host kernel sizes the new connection's segments to its
 *   own path. lxc-user-nic instead puts a real veth into a host bridge (lxcbr0): kernel NAT,
 *   the containers' packets cross the outer path as sent, so the PMTU black hole is back.
 */
import { isTrue, lastFlagValue } from '../dockerd/flags.js'
import { type DockerdSettings, mtuValue } from '../dockerd/settings.js'
import type { MachineState } from '../model.js'
import { isContainerMtu } from '../net/mtu-limits.js'
import type { Egress } from './mtu.js'

/** The user-mode drivers: TCP is terminated and re-originated from host sockets. */
const USER_MODE_DRIVERS = new Set(['slirp4netns', 'vpnkit', 'pasta', 'gvisor-tap-vsock'])

/** A rootless dockerd: why we think so, its network driver, and rootlesskit's MTU when known. */
export interface Rootless {
  /** Why this is rootless, for the reason line ("ROOTLESSKIT_STATE_DIR is set: …"). */
  why: string
  /** rootlesskit's network driver and where we learnt it; null driver = not known. */
  net: { driver: string | null, source: string }
  /** rootlesskit's --mtu in bytes (DOCKERD_ROOTLESS_ROOTLESSKIT_MTU) when given; containers should not exceed it. */
  mtu: { value: number, source: string } | null
}

/**
 * Whether the dockerd of `state` runs rootless, and why; null when nothing says so. Pure.
 * Evidence, first match wins: rootlesskit's own variable (the snapshot's `rootlesskit`),
 * `--rootless` or daemon.json "rootless": true, a DOCKERD_ROOTLESS_ROOTLESSKIT_* variable (the
 * rootless entrypoints' settings), a non-root effective uid (`euid`).
 */
export function detectRootless(state: MachineState, settings: DockerdSettings): Rootless | null {
  const env = state.env ?? {}
  const flag = lastFlagValue(settings.flags, 'rootless')
  const rootlessVars = Object.keys(env).filter((k) => k.startsWith('DOCKERD_ROOTLESS_ROOTLESSKIT_')).sort()
  let why: string | null = null
  if (state.rootlesskit) why = 'ROOTLESSKIT_STATE_DIR is set: dockerd runs under rootlesskit, which dockerd itself takes as rootless mode'
  else if (flag && isTrue(flag.value)) why = `your ${flag.text}`
  else if (!flag && settings.daemonJson?.rootless === true) why = 'daemon.json "rootless": true'
  else if (rootlessVars.length > 0) why = `${rootlessVars.join(', ')} set: the rootless entrypoint's settings`
  else if (typeof state.euid === 'number' && state.euid !== 0) why = `running as uid ${state.euid}, not root: the docker:dind-rootless entrypoint runs a non-root uid rootless`
  if (why === null) return null
  const fromApi = state.rootlesskit?.net
  const fromEnv = env.DOCKERD_ROOTLESS_ROOTLESSKIT_NET || null
  const net = fromApi !== undefined && fromApi !== null
    ? { driver: fromApi === '' ? 'host' : fromApi, source: 'rootlesskit\'s API' }
    : fromEnv ? { driver: fromEnv, source: 'DOCKERD_ROOTLESS_ROOTLESSKIT_NET' } : { driver: null, source: 'not known' }
  const rawMtu = env.DOCKERD_ROOTLESS_ROOTLESSKIT_MTU
  const m = rawMtu !== undefined ? mtuValue(rawMtu) : null
  return { why, net, mtu: m !== null && isContainerMtu(m) ? { value: m, source: `DOCKERD_ROOTLESS_ROOTLESSKIT_MTU=${rawMtu}` } : null }
}

/** What a rootless dockerd's network driver means for the black hole: a warning for lxc-user-nic, else one reason line. */
export function rootlessNetwork(r: Rootless): { reason: string, warning: string | null } {
  const d = r.net.driver
  if (d === 'lxc-user-nic') {
    return {
      reason: `rootless network driver lxc-user-nic (${r.net.source}): a real veth into a host bridge`,
      warning: 'rootlesskit --net=lxc-user-nic puts a real veth into a host bridge (kernel NAT): containers\' packets cross the outer path as sent, so the PMTU black hole is back, ' +
        'and the MSS clamp cannot be added from here; set DOCKERD_ROOTLESS_ROOTLESSKIT_MTU (and so --mtu) to the host\'s egress MTU, or use slirp4netns or pasta',
    }
  }
  if (d !== null && USER_MODE_DRIVERS.has(d)) {
    return { reason: `rootless network driver ${d} (${r.net.source}): user-mode TCP, ended and re-originated on host sockets, so containers' segments never cross the outer path as sent (no PMTU black hole for TCP)`, warning: null }
  }
  if (d === null) {
    return { reason: 'rootless network driver not known (rootlesskit\'s API did not answer, DOCKERD_ROOTLESS_ROOTLESSKIT_NET unset): the rootless entrypoints default to a user-mode driver (slirp4netns)', warning: null }
  }
  return { reason: `rootless network driver ${d} (${r.net.source})`, warning: null }
}

/**
 * The egress lowered to rootlesskit's MTU when that is smaller: containers of a rootless
 * dockerd leave through rootlesskit's tap device, which carries at most its --mtu. Pure.
 */
export function withRootlessMtu(detected: Egress | null, r: Rootless | null): Egress | null {
  if (!detected || !r?.mtu || r.mtu.value >= detected.mtu) return detected
  return { ...detected, mtu: r.mtu.value, reason: `${detected.reason}, lowered to ${r.mtu.value}: rootlesskit's network carries at most its --mtu (${r.mtu.source})` }
}
