/**
 * A stable MAC for a bridge dockerd did not create.
 *
 * A Linux bridge without an explicitly set address takes the lowest MAC of its ports
 * (net/bridge/br_stp_if.c: br_stp_recalculate_bridge_id), so the gateway MAC changes as
 * containers come and go. Setting an address by hand sets addr_assign_type to NET_ADDR_SET (3)
 * and the kernel keeps it from then on (br_stp_change_bridge_id is no longer called on port
 * changes: `br->dev->addr_assign_type == NET_ADDR_SET`).
 */
import { digest as hash } from '../digest.js'
import type { Link } from '../model.js'

/**
 * A locally administered unicast MAC derived from the bridge name, the same on every restart so
 * neighbours' ARP caches stay valid, and different from every MAC in `taken`.
 * Locally administered: bit 1 of the first octet set; unicast: bit 0 clear (IEEE 802).
 */
export function stableBridgeMac(bridge: string, taken: Iterable<string | null | undefined>): string {
  const avoid = new Set([...taken].filter((m): m is string => !!m).map((m) => m.toLowerCase()))
  for (let attempt = 0; ; attempt++) {
    const digest = hash('sha256', `dockerd-autonet:${bridge}:${attempt}`)
    const bytes = [...digest.subarray(0, 6)]
    bytes[0] = (bytes[0] & 0xfc) | 0x02
    const mac = bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')
    if (!avoid.has(mac)) return mac
  }
}

/** The ports of a bridge (links whose master is the bridge). */
export function bridgePorts(links: Link[], bridge: string): Link[] {
  return links.filter((l) => l.master === bridge)
}
