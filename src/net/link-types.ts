/**
 * The kinds of network interface a snapshot names. The reader takes a link's kind from its
 * driver (`ip -d link`: linkinfo.info_kind, i.e. rtnl_link_ops->kind in the kernel) or, without
 * iproute2, from sysfs facts (src/read/sysfs-links.ts); "ethernet" occurs in pasted reports.
 * A kind not listed here is read as "other": the planner tells apart only bridges, veths and
 * loopback, and nothing it decides depends on the rest.
 */
export const LINK_TYPES = [
  'veth', 'ether', 'ethernet', 'bridge', 'bond', 'team', 'vlan', 'macvlan', 'macvtap', 'ipvlan', 'ipvtap',
  'vxlan', 'geneve', 'ipip', 'sit', 'gre', 'gretap', 'ip6gre', 'ip6gretap', 'ip6tnl', 'vti', 'vti6', 'erspan',
  'wireguard', 'tun', 'tap', 'wlan', 'wwan', 'ppp', 'dummy', 'ifb', 'vrf', 'xfrm', 'macsec', 'nlmon', 'netkit', 'loopback', 'other',
] as const

export type LinkType = typeof LINK_TYPES[number]

const KNOWN = new Set<string>(LINK_TYPES)

/** `kind` as a LinkType: itself when listed, else "other". */
export function asLinkType(kind: string): LinkType {
  return KNOWN.has(kind) ? kind as LinkType : 'other'
}
