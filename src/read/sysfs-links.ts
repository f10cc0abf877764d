/**
 * Network interfaces as the kernel shows them under /sys/class/net (attribute meanings:
 * Documentation/ABI/testing/sysfs-class-net in the kernel tree). What sysfs does not hold
 * (addresses, the driver's own kind name) comes from iproute2 (src/tools/iproute2.ts).
 *
 * sysfs is read rather than netlink because it needs no tool: the docker:dind image may carry
 * only busybox `ip`, which has no JSON output.
 */
import { access, readdir, readFile, readlink, stat } from 'node:fs/promises'
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
 * master (bridge/bond this is a port of, or null) and addr_assign_type. `addrs` is not set
 * here: it is not in sysfs (see readIpAddrs).
 */
export async function readLinks(sysClassNet = '/sys/class/net'): Promise<{ links: Link[], errors: string[] }> {
  let names: string[]
  try {
    names = await readdir(sysClassNet)
  } catch (e) {
    return { links: [], errors: [`cannot list network interfaces in ${sysClassNet}: ${errText(e)}`] }
  }
  const errors: string[] = []
  const read = await Promise.all(names.map(async (name) => {
    try {
      if (!(await isInterfaceEntry(sysClassNet, name))) return null
      return await readLink(sysClassNet, name)
    } catch (e) {
      errors.push(e instanceof LinkReadError ? e.message : `link ${name}: ${errText(e)}`)
      return null
    }
  }))
  const links = read.filter((l): l is Link & { ifindex: number } => l !== null)
  links.sort((a, b) => a.ifindex - b.ifindex || a.name.localeCompare(b.name))
  errors.sort()
  return { links: links.map(({ ifindex: _ifindex, ...link }) => link), errors }
}

/**
 * Reads one interface directory `<sysClassNet>/<name>`. Returns the Link plus its ifindex (for
 * ordering). Throws LinkReadError naming the interface when a required attribute (type, mtu,
 * flags) is missing or absurd; `vanished` is set when the cause was ENOENT.
 */
export async function readLink(sysClassNet: string, name: string): Promise<Link & { ifindex: number }> {
  const dir = join(sysClassNet, name)
  const arphrd = parseIntStrict(await required(dir, name, 'type'))
  const mtuText = await required(dir, name, 'mtu')
  const mtu = parseIntStrict(mtuText)
  if (mtu === null || !isUsableMtu(mtu)) {
    throw new LinkReadError(`link ${name}: mtu ${JSON.stringify(mtuText)} in ${join(dir, 'mtu')} is not an integer in ${LINK_MTU_MIN}..${LINK_MTU_MAX}; link left out`, false)
  }
  const flags = parseHex(await required(dir, name, 'flags'))
  if (flags === null) throw new LinkReadError(`link ${name}: unreadable flags in ${join(dir, 'flags')}`, false)
  const [address, carrier, master, addrAssign, ifindex, iflink, uevent, isBridge, isBond, isTun] = await Promise.all([
    optional(dir, 'address'), optional(dir, 'carrier'), readMaster(dir), optional(dir, 'addr_assign_type'),
    optional(dir, 'ifindex'), optional(dir, 'iflink'), optional(dir, 'uevent'),
    exists(join(dir, 'bridge')), exists(join(dir, 'bonding')), exists(join(dir, 'tun_flags')),
  ])
  const index = parseIntStrict(ifindex ?? '')
  const link: Link & { ifindex: number } = {
    name,
    mtu,
    mac: macOf(arphrd, address),
    type: linkTypeOf({
      arphrd, devtype: devtypeOf(uevent), isBridge, isBond, isTun,
      ifindex: index, iflink: parseIntStrict(iflink ?? ''),
    }),
    up: (flags & IFF_UP) !== 0,
    master,
    addr_assign_type: parseIntStrict(addrAssign ?? ''),
    ifindex: index ?? Number.MAX_SAFE_INTEGER,
  }
  const c = carrierOf(carrier)
  if (c !== undefined) link.carrier = c
  return link
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
  switch (f.arphrd) {
    case ARPHRD.LOOPBACK: return 'loopback'
    case ARPHRD.IPIP: return 'ipip'
    case ARPHRD.SIT: return 'sit'
    case ARPHRD.IPGRE:
    case ARPHRD.IP6GRE: return 'gre'
    case ARPHRD.TUNNEL6: return 'ip6tnl'
  }
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
async function readMaster(dir: string): Promise<string | null> {
  try {
    return basename(await readlink(join(dir, 'master')))
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
async function isInterfaceEntry(sysClassNet: string, name: string): Promise<boolean> {
  try {
    return (await stat(join(sysClassNet, name))).isDirectory()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new LinkReadError(`link ${name}: vanished while being read (${code} on ${join(sysClassNet, name)}); skipped`, code === 'ENOENT')
  }
}

/** A required attribute: throws LinkReadError naming the link (vanished when ENOENT). */
async function required(dir: string, name: string, attr: string): Promise<string> {
  try {
    return (await readFile(join(dir, attr), 'utf8')).trim()
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENODEV') {
      throw new LinkReadError(`link ${name}: vanished while being read (${code} on ${join(dir, attr)}); skipped`, true)
    }
    throw new LinkReadError(`link ${name}: cannot read ${join(dir, attr)}: ${errText(e)}; skipped`, false)
  }
}

/** An optional attribute: null when absent or unreadable (carrier raises EINVAL when down). */
async function optional(dir: string, attr: string): Promise<string | null> {
  try {
    return (await readFile(join(dir, attr), 'utf8')).trim()
  } catch {
    return null
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
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
