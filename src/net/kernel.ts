/** Kernel constants we compare sysfs values with, each with the header that defines it. */

/** sysfs addr_assign_type of an address set explicitly (include/uapi/linux/netdevice.h). */
export const NET_ADDR_SET = 3

/** Bytes of an interface name's buffer, its NUL included: names hold at most 15 (include/uapi/linux/if.h). */
export const IFNAMSIZ = 16

/** IFF_UP in a link's `flags` attribute (include/uapi/linux/if.h). */
export const IFF_UP = 0x1

/** ARPHRD_* device types (include/uapi/linux/if_arp.h) that we name. */
export const ARPHRD = {
  ETHER: 1,
  IPIP: 768,
  TUNNEL6: 769,
  LOOPBACK: 772,
  SIT: 776,
  IPGRE: 778,
  IP6GRE: 823,
  NONE: 65534,
} as const
