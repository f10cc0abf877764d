/**
 * MTU facts, each written once. Every MTU is in bytes and includes the IP header (as `ip link`
 * and sysfs report it).
 */

/** The smallest MTU an IPv4 link may have: 68 (RFC 791; the kernel's ETH_MIN_MTU). */
export const LINK_MTU_MIN = 68

/**
 * The largest MTU a Linux device reports: 65536, loopback's (drivers/net/loopback.c sets
 * `dev->mtu = 64 * 1024`). A reading above it is not a real MTU.
 */
export const LINK_MTU_MAX = 65536

/**
 * The largest MTU a container network can get: 65535. dockerd puts its MTU on a bridge and veth
 * pairs, whose `dev->max_mtu` is ETH_MAX_MTU = 0xFFFF (drivers/net/veth.c, net/bridge/br_device.c;
 * include/uapi/linux/if_ether.h), the same as IP_MAX_MTU (include/net/ip.h: IPv4's 16-bit total
 * length). dockerd's veth creation fails with EINVAL above it, so loopback's 65536 is not one.
 */
export const CONTAINER_MTU_MAX = 65535

/** The minimum datagram every IPv4 host must accept: 576 (RFC 791, RFC 1122 3.3.3). We never plan below it. */
export const IPV4_MIN_MTU = 576

/** IPv6's minimum link MTU: 1280 (RFC 8200 section 5); below it an IPv6 interface cannot come up. */
export const IPV6_MIN_MTU = 1280

/** The MTU dockerd gives its networks when told nothing: 1500 (Ethernet; moby daemon/config DefaultNetworkMtu), and our default cap. */
export const DOCKERD_DEFAULT_MTU = 1500

/** True for an MTU a link can really have: an integer in 68..65536 bytes. */
export function isUsableMtu(mtu: unknown): mtu is number {
  return typeof mtu === 'number' && Number.isInteger(mtu) && mtu >= LINK_MTU_MIN && mtu <= LINK_MTU_MAX
}

/** True for an MTU dockerd can give containers: an integer in 68..65535 bytes. */
export function isContainerMtu(mtu: unknown): mtu is number {
  return isUsableMtu(mtu) && mtu <= CONTAINER_MTU_MAX
}
