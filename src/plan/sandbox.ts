/**
 * Sandboxed runtimes the wrapper may find itself in (the snapshot's `sandbox`, read by
 * src/read/sandbox.ts), and what each means for the plan.
 *
 * - gVisor (runsc): its netstack keeps connection state inside the Sentry (gVisor docs,
 *   "Networking": "All aspects of the network stack are handled inside the Sentry — including
 *   TCP connection state"), so there is no kernel conntrack table for conntrack-tools to delete
 *   from, and its netfilter (gVisor pkg/sentry/socket/netfilter) implements no TCPMSS target, so
 *   the clamp rule cannot be added. --mtu still applies: the sandbox's devices keep the MTU set.
 * - Sysbox (sysbox-runc) and Kata Containers: the interfaces seen are a system container's or a
 *   VM guest's; the real path (the host's, or the VM's tap and the host bridge) is out of sight,
 *   and a 1500 there can hide a smaller path MTU beyond.
 */
import type { SandboxFacts } from '../model.js'

/** Display names, for reasons. */
const NAMES: Record<SandboxFacts['kind'], string> = { gvisor: 'gVisor', sysbox: 'Sysbox', kata: 'Kata Containers' }

/** The sandbox's name and marker, for a reason line: "gVisor (/proc/gvisor exists)". */
export function sandboxLabel(s: SandboxFacts): string {
  return `${NAMES[s.kind]} (${s.evidence})`
}

/** A warning when the visible MTU may not be the path's (Sysbox, Kata); null otherwise. */
export function hiddenPathWarning(s: SandboxFacts, mtu: number | null): string | null {
  if (s.kind === 'gvisor') return null
  const seen = mtu === null ? 'the MTU seen here' : `the MTU seen here (${mtu})`
  const where = s.kind === 'kata' ? 'a VM guest\'s interface: the host side (tap, bridge, the host\'s egress) is out of sight' : 'a system container\'s interface: the host\'s own egress is out of sight'
  return `running under ${sandboxLabel(s)}: ${seen} is ${where}, so it may not be the path's; ` +
    'measure the path with --autonet-probe=HOST (a host beyond the egress), or give dockerd an explicit --mtu'
}
