/**
 * Fallback route source for machines whose `ip` cannot print JSON (busybox): the kernel's
 * procfs route tables, /proc/net/route (net/ipv4/fib_trie.c, fib_route_seq_show) and
 * /proc/net/ipv6_route (net/ipv6/route.c, rt6_info_seq_show).
 *
 * They are poorer than netlink, and the differences matter for MTU planning:
 * - /proc/net/route lists the main table only, and only the first hop of a multipath route.
 * - Its "MTU" column is advmss + 40, not the route's `mtu` attribute (checked: a route with
 *   `mtu 1400` shows 0 there; adding `advmss 1360` makes it show 1400). So routes read here
 *   have mtu null (unknown), and a non-zero column is kept as `advmss`.
 * - /proc/net/ipv6_route lists every table without saying which, so a table-52 default route
 *   (tailscale) is indistinguishable from a main one: table is null (unknown) except for
 *   local/multicast entries.
 */
import { readText } from '../files.js'
import { endianness } from 'node:os'
import { join } from 'node:path'
import type { Route } from '../model.js'
import type { Family } from '../net/family.js'

/** Route flags (include/uapi/linux/route.h, include/uapi/linux/ipv6_route.h). */
const RTF_GATEWAY = 0x0002
const RTF_REJECT = 0x0200
const RTF_CACHE = 0x01000000
const RTF_LOCAL = 0x80000000

/** File under /proc/net that lists routes of a family. */
export function procRouteFile(family: Family): string {
  return family === 4 ? 'route' : 'ipv6_route'
}

/** Names the /proc file read for a family and what it cannot show, for the note in read_errors. */
export function procRouteLimits(family: Family, procNet = '/proc/net'): string {
  const path = join(procNet, procRouteFile(family))
  return family === 4
    ? `${path} instead: main table only, route MTU attributes unknown, first hop of multipath routes only`
    : `${path} instead: routing tables not told apart (table unknown), route MTU attributes unknown`
}

/**
 * Parses /proc/net/route text into Routes of the main table.
 *
 * Addresses are 32-bit values printed with %08X in host byte order, so on little-endian
 * machines "0100000A" is 10.0.0.1; pass `littleEndian` to parse a file from another machine.
 * Flags: RTF_GATEWAY → gw set; RTF_REJECT → type "unreachable" (the kernel sets it for
 * unreachable and prohibit alike); no device ("*") without RTF_REJECT → "blackhole". Metric is
 * decimal. mtu is null (see the module comment); `advmss` = MTU column − 40 when non-zero.
 * Malformed lines are skipped.
 */
export function parseProcNetRoute(text: string, littleEndian = endianness() === 'LE'): Route[] {
  const routes: Route[] = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 11 || f[0] === 'Iface') continue
    const [iface, dstHex, gwHex, flagsHex, , , metricText, maskHex, mtuColumn] = f
    const flags = parseInt(flagsHex, 16)
    const mask = hexToU32(maskHex)
    const dst = hexToIpv4(dstHex, littleEndian)
    if (Number.isNaN(flags) || mask === null || dst === null) continue
    const prefixLen = popcount(mask)
    const dev = iface === '*' ? null : iface
    const route: Route = {
      dst: prefixLen === 0 && dst === '0.0.0.0' ? 'default' : `${dst}/${prefixLen}`,
      dev,
      gw: flags & RTF_GATEWAY ? hexToIpv4(gwHex, littleEndian) : null,
      metric: Number(metricText) || 0,
      mtu: null,
      table: 'main',
      type: flags & RTF_REJECT ? 'unreachable' : dev === null ? 'blackhole' : 'unicast',
      scope: null,
    }
    const advertisedMss = Number(mtuColumn)
    if (advertisedMss > 0) route.advmss = advertisedMss - 40
    routes.push(route)
  }
  return routes
}

/**
 * Parses /proc/net/ipv6_route text into Routes.
 *
 * Columns: dst (32 hex digits, network order), dst prefix length (hex), src, src length,
 * next hop, metric (hex), refcnt, use, flags (hex), device. Skipped: the per-table placeholder
 * entries (reject, dev lo, metric 0xffffffff, ::/0: the kernel's fib6_null_entry, not a route)
 * and RTF_CACHE clones. RTF_LOCAL → type/table "local"; ff00::/8 → type "multicast", table
 * "local"; RTF_REJECT → "unreachable" with dev null (the kernel shows reject routes on lo).
 * table is null for the rest: this file does not say which table a route is in.
 */
export function parseProcNetIpv6Route(text: string): Route[] {
  const routes: Route[] = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 10) continue
    const [dstHex, dstLenHex, , , nhHex, metricHex, , , flagsHex, iface] = f
    const dst = hexToIpv6(dstHex)
    const nh = hexToIpv6(nhHex)
    const prefixLen = parseInt(dstLenHex, 16)
    const metric = parseInt(metricHex, 16)
    const flags = parseInt(flagsHex, 16)
    if (dst === null || nh === null || [prefixLen, metric, flags].some(Number.isNaN)) continue
    const reject = (flags & RTF_REJECT) !== 0
    if (reject && iface === 'lo' && metric === 0xffffffff && prefixLen === 0) continue
    if ((flags & RTF_CACHE) !== 0) continue
    const local = (flags & RTF_LOCAL) !== 0
    const multicast = prefixLen === 8 && dst === 'ff00::'
    routes.push({
      dst: prefixLen === 0 ? 'default' : `${dst}/${prefixLen}`,
      dev: reject ? null : iface,
      gw: flags & RTF_GATEWAY ? nh : null,
      metric,
      mtu: null,
      table: local || multicast ? 'local' : null,
      type: local ? 'local' : multicast ? 'multicast' : reject ? 'unreachable' : 'unicast',
      scope: null,
    })
  }
  return routes
}

/**
 * Reads and parses the /proc route file of a family (`procNet` defaults to /proc/net).
 * Never throws: an unreadable file (no IPv6 in this kernel or namespace, procfs not mounted)
 * gives no routes and one error naming the path.
 */
export async function readProcRoutes(family: Family, procNet = '/proc/net'): Promise<{ routes: Route[], errors: string[] }> {
  const path = join(procNet, procRouteFile(family))
  let text: string
  try {
    text = await readText(path)
  } catch (e) {
    return { routes: [], errors: [`cannot read ${path}: ${(e as Error).message}`] }
  }
  return { routes: family === 4 ? parseProcNetRoute(text) : parseProcNetIpv6Route(text), errors: [] }
}

// --- address helpers ----------------------------------------------------------------------

function hexToU32(hex: string): number | null {
  return /^[0-9a-f]{8}$/i.test(hex) ? parseInt(hex, 16) >>> 0 : null
}

function hexToIpv4(hex: string, littleEndian: boolean): string | null {
  const v = hexToU32(hex)
  if (v === null) return null
  const bytes = [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]
  return (littleEndian ? bytes.reverse() : bytes).join('.')
}

/** 32 hex digits → RFC 5952 text (lower case, longest run of ≥2 zero groups as "::"). */
export function hexToIpv6(hex: string): string | null {
  if (!/^[0-9a-f]{32}$/i.test(hex)) return null
  const groups = Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(i * 4, i * 4 + 4), 16).toString(16))
  let best = { at: -1, len: 0 }
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > best.len) best = { at: i, len: j - i }
    i = j
  }
  if (best.len < 2) return groups.join(':')
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`
}

function popcount(v: number): number {
  let n = 0
  for (let x = v >>> 0; x; x >>>= 1) n += x & 1
  return n
}
