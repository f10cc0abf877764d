/**
 * Network interfaces as the kernel shows them under /sys/class/net (attribute meanings:
 * Documentation/ABI/testing/sysfs-class-net in the kernel tree): the fallback reader when `ip`
 * gives no JSON (busybox `ip` in a docker:dind image), and the one or two attributes the netlink
 * dump does not carry (src/read/links.ts). What sysfs does not hold (addresses, the driver's
 * own kind name) comes from iproute2 (src/tools/iproute2.ts).
 */
import { accessSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { Link } from '../model.js'
import { asLinkType, type LinkType } from '../net/link-types.js'
import { ARPHRD, IFF_UP } from '../net/kernel.js'
import { isUsableMtu, LINK_MTU_MAX, LINK_MTU_MIN } from '../net/mtu-limits.js'


/** A link could not be read; `vanished` when its files disappeared (ENOENT) mid-read. */
export class LinkReadError extends Error {
  constructor(message: string, readonly vanished: boolean) {
    super(message)
  }
}

/**
 * Reads every interface under `sysClassNet` (default /sys/class/net), sorted by ifindex.
 *
 * Returns `{links, errors}` and never throws: each entry of `errors` names the interface or
 * path at fault. An interface whose files vanish while being read (deleted, or moved to another
 * namespace — routine for veths while containers start) is left out with a note. An interface
 * whose `mtu` is not an integer in 68..65536 is also left out, with an error naming it and the
 * value: planning no MTU at all is safer than planning from a number we cannot trust. An
 * unreadable sysfs root yields no links and one error naming the path.
 *
 * Each Link has name, mtu (bytes, IP header included), mac (null for L3 devices), type,
 * up (IFF_UP), carrier (omitted when the kernel cannot say, e.g. EINVAL on a down device),
 * master (bridge/bond this is a port of, or null), and for bridges only addr_assign_type (the
 * one decision that reads it is a bridge's MAC pin; see readBridgeAddrAssign). `addrs` is not
 * set here: it is not in sysfs (see readLinks in links.ts).
 */
export async function readSysfsLinks(sysClassNet = '/sys/class/net'): Promise<{ links: Link[], errors: string[] }> {
  let names: string[]
  try {
    names = readdirSync(sysClassNet)
  } catch (e) {
    return { links: [], errors: [`cannot list network interfaces in ${sysClassNet}: ${errText(e)}`] }
  }
  const errors: string[] = []
  const links: Array<Link & { ifindex: number }> = []
  // One link after the other, with synchronous reads: sysfs attributes are generated in
  // memory and never block, while reading every link's files concurrently opened tens of
  // thousands of descriptors at once on a busy host, and the reads that failed with EMFILE
  // silently lost MACs and kinds (optional attributes).
  for (const name of names) {
    try {
      if (isInterfaceEntry(sysClassNet, name)) links.push(readLink(sysClassNet, name))
    } catch (e) {
      errors.push(e instanceof LinkReadError ? e.message : `link ${name}: ${errText(e)}`)
    }
  }
  links.sort((a, b) => a.ifindex - b.ifindex || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  errors.sort()
  return { links: links.map(({ ifindex: _ifindex, ...link }) => link), errors }
}

/**
 * Reads one interface directory `<sysClassNet>/<name>`. Returns the Link plus its ifindex (for
 * ordering). Throws LinkReadError naming the interface when a required attribute (type, mtu,
 * flags) is missing or absurd; `vanished` is set when the cause was ENOENT.
 */
export function readLink(sysClassNet: string, name: string): Link & { ifindex: number } {
  const dir = join(sysClassNet, name)
  const arphrd = parseIntStrict(required(dir, name, 'type'))
  const mtuText = required(dir, name, 'mtu')
  const mtu = parseIntStrict(mtuText)
  if (mtu === null || !isUsableMtu(mtu)) {
    throw new LinkReadError(`link ${name}: mtu ${JSON.stringify(mtuText)} in ${join(dir, 'mtu')} is not an integer in ${LINK_MTU_MIN}..${LINK_MTU_MAX}; link left out`, false)
  }
  const flags = parseHex(required(dir, name, 'flags'))
  if (flags === null) throw new LinkReadError(`link ${name}: unreadable flags in ${join(dir, 'flags')}`, false)
  const [address, carrier, master, ifindex, iflink, uevent, isBridge, isBond, isTun] = [
    optional(dir, 'address'), optional(dir, 'carrier'), readMaster(dir),
    optional(dir, 'ifindex'), optional(dir, 'iflink'), optional(dir, 'uevent'),
    exists(join(dir, 'bridge')), exists(join(dir, 'bonding')), exists(join(dir, 'tun_flags')),
  ] as const
  const index = parseIntStrict(ifindex ?? '')
  const type = linkTypeOf({
    arphrd, devtype: devtypeOf(uevent), isBridge, isBond, isTun,
    ifindex: index, iflink: parseIntStrict(iflink ?? ''),
  })
  const link: Link & { ifindex: number } = {
    name,
    mtu,
    mac: macOf(arphrd, address),
    type,
    up: (flags & IFF_UP) !== 0,
    master,
    ifindex: index ?? Number.MAX_SAFE_INTEGER,
  }
  const c = carrierOf(carrier)
  if (c !== undefined) link.carrier = c
  if (type === 'bridge') link.addr_assign_type = readBridgeAddrAssign(name, sysClassNet)
  return link
}

/**
 * A bridge's sysfs `addr_assign_type` (0 permanent, 1 random, 2 stolen, 3 NET_ADDR_SET: set
 * explicitly), or null when unreadable. Only bridges are asked: pinning a bridge's MAC is the one
 * decision that needs it, and netlink does not carry it (iproute2 6.1 prints no such key).
 */
export function readBridgeAddrAssign(name: string, sysClassNet = '/sys/class/net'): number | null {
  return parseIntStrict(optional(join(sysClassNet, name), 'addr_assign_type') ?? '')
}

/**
 * DEVTYPE= of a link's sysfs `uevent` (wlan, wwan, …), or null: the netlink dump says nothing of
 * it, and it tells a kindless ethernet device (a NIC, a Wi-Fi card) apart.
 */
export function readDevtype(name: string, sysClassNet = '/sys/class/net'): string | null {
  return devtypeOf(optional(join(sysClassNet, name), 'uevent'))
}

/** Facts that decide a link's kind; see linkTypeOf. */
export interface LinkKindFacts {
  /** ARPHRD_* from the `type` attribute, null if unreadable. */
  arphrd: number | null
  /** DEVTYPE= from `uevent` (set by drivers that register a device type), null when absent. */
  devtype: string | null
  /** A `bridge/` directory exists (bridge devices only). */
  isBridge: boolean
  /** A `bonding/` directory exists (bond masters only). */
  isBond: boolean
  /** A `tun_flags` attribute exists (tun/tap devices only). */
  isTun: boolean
  ifindex: number | null
  iflink: number | null
}

/**
 * Which kind of link this is, from sysfs facts alone. Order matters: the ARPHRD type settles
 * L3 tunnels and loopback; then the driver's DEVTYPE (bridge, vlan, bond, wireguard, vxlan…,
 * taken verbatim); then driver-specific attribute directories; then a veth is an ethernet
 * device without DEVTYPE whose iflink (the peer's ifindex) differs from its own ifindex —
 * the "eth0@if61" of a container. macvlan/ipvlan look the same to sysfs, which is why
 * readMachineState prefers iproute2's `info_kind` when it has it.
 */
export function linkTypeOf(f: LinkKindFacts): LinkType {
  const byArphrd = arphrdLinkType(f.arphrd)
  if (byArphrd) return byArphrd
  if (f.devtype) return asLinkType(f.devtype)
  if (f.isBridge) return 'bridge'
  if (f.isBond) return 'bond'
  if (f.isTun) return 'tun'
  if (f.arphrd === ARPHRD.ETHER) {
    const peered = f.ifindex !== null && f.iflink !== null && f.iflink !== f.ifindex
    return peered ? 'veth' : 'ether'
  }
  return 'other'
}

/** The kinds an ARPHRD type settles alone (loopback, L3 tunnels), else null. */
export function arphrdLinkType(arphrd: number | null): LinkType | null {
  switch (arphrd) {
    case ARPHRD.LOOPBACK: return 'loopback'
    case ARPHRD.IPIP: return 'ipip'
    case ARPHRD.SIT: return 'sit'
    case ARPHRD.IPGRE:
    case ARPHRD.IP6GRE: return 'gre'
    case ARPHRD.TUNNEL6: return 'ip6tnl'
  }
  return null
}

/**
 * The link's MAC, lower-case, or null when it has none: only ethernet-type and loopback
 * devices carry a 6-byte hardware address; for tunnels the `address` file holds an IP or is
 * empty (tun, wireguard).
 */
export function macOf(arphrd: number | null, address: string | null): string | null {
  if (arphrd !== ARPHRD.ETHER && arphrd !== ARPHRD.LOOPBACK) return null
  const a = (address ?? '').trim().toLowerCase()
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(a) ? a : null
}

/** Carrier from the `carrier` attribute: "1"/"0", undefined when unreadable (EINVAL if down). */
export function carrierOf(text: string | null): boolean | undefined {
  const v = (text ?? '').trim()
  return v === '1' ? true : v === '0' ? false : undefined
}

/** DEVTYPE= value of a `uevent` file, or null. */
export function devtypeOf(uevent: string | null): string | null {
  const m = /^DEVTYPE=(.+)$/m.exec(uevent ?? '')
  return m ? m[1].trim() : null
}

/** Name of the bridge/bond this link is a port of: basename of the `master` symlink, or null. */
function readMaster(dir: string): string | null {
  try {
    return basename(readlinkSync(join(dir, 'master')))
  } catch {
    return null
  }
}

// --- small file helpers -------------------------------------------------------------------

/**
 * Whether a /sys/class/net entry is an interface: a directory (through its symlink). Not every
 * entry is one: with the bonding driver loaded there is a `bonding_masters` file. Throws
 * LinkReadError (vanished) when the entry's target is gone.
 */
function isInterfaceEntry(sysClassNet: string, name: string): boolean {
  try {
    return statSync(join(sysClassNet, name)).isDirectory()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new LinkReadError(`link ${name}: vanished while being read (${code} on ${join(sysClassNet, name)}); skipped`, code === 'ENOENT')
  }
}

/** A required attribute: throws LinkReadError naming the link (vanished when ENOENT). */
function required(dir: string, name: string, attr: string): string {
  try {
    return readFileSync(join(dir, attr), 'utf8').trim()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENODEV') {
      throw new LinkReadError(`link ${name}: vanished while being read (${code} on ${join(dir, attr)}); skipped`, true)
    }
    throw new LinkReadError(`link ${name}: cannot read ${join(dir, attr)}: ${errText(e)}; skipped`, false)
  }
}

/** An optional attribute: null when absent or unreadable (carrier raises EINVAL when down). */
function optional(dir: string, attr: string): string | null {
  try {
    return readFileSync(join(dir, attr), 'utf8').trim()
  } catch {
    return null
  }
}

function exists(path: string): boolean {
  try {
    accessSync(path)
    return true
  } catch {
    return false
  }
}

function parseIntStrict(text: string): number | null {
  const t = text.trim()
  return /^-?\d+$/.test(t) ? Number(t) : null
}

function parseHex(text: string): number | null {
  const t = text.trim()
  return /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : null
}

function errText(e: unknown): string {
  // Node's fs messages already start with the code ("ENOENT: no such file or directory, …").
  return String((e as Error)?.message ?? e)
}
