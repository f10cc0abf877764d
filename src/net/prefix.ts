/**
 * Address and prefix arithmetic for both families, on BigInt so one code path serves IPv4 and
 * IPv6: one parser, one mask, contains and overlaps, and one formatter (RFC 5952 for IPv6).
 */
import { ADDRESS_BITS as BITS, type Family } from './family.js'

export type { Family } from './family.js'

export interface Prefix {
  family: Family
  /** Network address as an integer (host bits cleared). */
  network: bigint
  /** Prefix length in bits. */
  length: number
}

/**
 * The family of an address text: 4 for dotted-quad IPv4, 6 for IPv6 (RFC 4291 section 2.2
 * text forms, an embedded IPv4 tail and a `%zone` suffix included), 0 for anything else. It
 * accepts exactly what Node's `net.isIP` accepts (test/net/address-family.test.ts checks that
 * over generated text), without loading `node:net`: that module, and the IPv6 regular
 * expression `isIP` compiles on first use, cost the start path about 5 ms, about a tenth of
 * the wrapper's own start-up (4.5 ms in isIPv6 in a --cpu-prof profile of the bundle's start).
 */
export function addressFamily(text: string): 0 | Family {
  if (isIPv4Text(text)) return 4
  return isIPv6Text(text) ? 6 : 0
}

/** Four decimal octets 0..255, without leading zeros (so "010.0.0.1" is not an address). */
function isIPv4Text(text: string): boolean {
  const parts = text.split('.')
  if (parts.length !== 4) return false
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p[0] === '0')) return false
    for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) < 48 || p.charCodeAt(i) > 57) return false
    if (Number(p) > 255) return false
  }
  return true
}

const ZONE_CHAR = /^[0-9A-Za-z.:-]+$/

function isIPv6Text(text: string): boolean {
  let addr = text
  const zoneAt = text.indexOf('%')
  if (zoneAt >= 0) {
    if (!ZONE_CHAR.test(text.slice(zoneAt + 1))) return false
    addr = text.slice(0, zoneAt)
  }
  const halves = addr.split('::')
  if (halves.length > 2) return false
  const all = halves.flatMap((h) => (h === '' ? [] : h.split(':')))
  // An IPv4 tail stands for the last two groups, and only there ("1.2.3.4::" is no address).
  const tailAt = halves[halves.length - 1] === '' ? -1 : all.length - 1
  let count = 0
  for (let i = 0; i < all.length; i++) {
    const g = all[i]
    if (i === tailAt && g.includes('.')) {
      if (!isIPv4Text(g)) return false
      count += 2
      continue
    }
    if (g.length === 0 || g.length > 4 || !/^[0-9A-Fa-f]+$/.test(g)) return false
    count++
  }
  // "::" stands for at least one group of zeros.
  return halves.length === 2 ? count <= 7 : count === 8
}

/** Integer value of an IPv4 or IPv6 address; throws on anything else, naming the input. */
export function addressToBigInt(addr: string): { family: Family, value: bigint } {
  const bare = addr.split('%')[0] // fe80::1%eth0: the zone does not change the address
  const kind = addressFamily(bare)
  if (kind === 4) {
    const value = bare.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n)
    return { family: 4, value }
  }
  if (kind === 6) return { family: 6, value: ipv6ToBigInt(bare) }
  throw new Error(`not an IP address: "${addr}"`)
}

function ipv6ToBigInt(addr: string): bigint {
  let text = addr
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const n = addressToBigInt(v4[1]).value
    text = text.slice(0, v4.index) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null]
  const headParts = head ? head.split(':') : []
  const tailParts = tail ? tail.split(':') : []
  const fill = tail === null ? [] : new Array(8 - headParts.length - tailParts.length).fill('0')
  return [...headParts, ...fill, ...tailParts].reduce((acc, h) => (acc << 16n) | BigInt(parseInt(h, 16)), 0n)
}

/**
 * Parses "10.0.0.0/8", "10.0.0.7/24" (host bits are cleared), a bare address (a host prefix),
 * or "default" (the whole family, which must then be given).
 * @throws Error naming the text when it is not a prefix.
 */
export function parsePrefix(text: string, family?: Family): Prefix {
  if (text === 'default' || text === 'all') {
    if (!family) throw new Error(`"${text}" needs an address family`)
    return { family, network: 0n, length: 0 }
  }
  const [addr, len] = text.split('/')
  const { family: fam, value } = addressToBigInt(addr)
  const bits = BITS[fam]
  const length = len === undefined ? bits : Number(len)
  if (!Number.isInteger(length) || length < 0 || length > bits) throw new Error(`bad prefix length in "${text}"`)
  return { family: fam, network: value & mask(fam, length), length }
}

/** The netmask of a `length`-bit prefix of `family`, as an integer. */
export function mask(family: Family, length: number): bigint {
  const bits = BITS[family]
  return length === 0 ? 0n : ((1n << BigInt(length)) - 1n) << BigInt(bits - length)
}

/** True when `addr` (an address string) lies inside `prefix`. Different families never match. */
export function prefixContains(prefix: Prefix, addr: string): boolean {
  let parsed
  try { parsed = addressToBigInt(addr) } catch { return false }
  if (parsed.family !== prefix.family) return false
  return (parsed.value & mask(prefix.family, prefix.length)) === prefix.network
}

/** True when two prefixes share at least one address. */
export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family) return false
  const shorter = Math.min(a.length, b.length)
  const m = mask(a.family, shorter)
  return (a.network & m) === (b.network & m)
}

/**
 * Text of an address given as an integer: dotted quad for IPv4; for IPv6 the RFC 5952 form
 * (section 4): lower-case hex without leading zeros, the longest run of two or more zero groups
 * as "::" (the first on a tie), a single zero group never compressed.
 */
export function formatAddress(family: Family, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.')
  const groups: number[] = []
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn))
  let best = -1, bestLen = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) { best = i; bestLen = j - i }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best < 0) return hex.join(':')
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`
}

/** Canonical text of a prefix ("10.0.0.0/8", "2001:db8:0:0:1::/80"), for reasons and logs. */
export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.family, p.network)}/${p.length}`
}

/**
 * Whether Go's net.ParseCIDR takes `text`: an IPv4 or IPv6 address without a zone, "/", and a
 * decimal prefix length within the family's bits ("10.1.0.1/24", "fd00::1/64"; not a bare
 * address, "10.1.0.1/", "10.1.0.1/33" or "default", which parsePrefix takes).
 */
export function isGoCidr(text: string): boolean {
  const slash = text.indexOf('/')
  if (slash < 0) return false
  const address = text.slice(0, slash)
  const length = text.slice(slash + 1)
  return isGoIp(address) && /^\d+$/.test(length) && Number(length) <= BITS[addressFamily(address) as Family]
}

/** Whether Go's net.ParseIP reads `text`: an IPv4 or IPv6 address, without a zone (`%eth0`). */
export function isGoIp(text: string): boolean {
  return !text.includes('%') && addressFamily(text) !== 0
}

/** Parses a prefix, returning null instead of throwing (for optional, user-supplied fields). */
export function tryParsePrefix(text: unknown, family?: Family): Prefix | null {
  if (typeof text !== 'string') return null
  try { return parsePrefix(text, family) } catch { return null }
}

/**
 * Ranges that name no network of their own: IPv6 link-local (fe80::/10, RFC 4291) and
 * multicast (ff00::/8), IPv4 link-local (169.254.0.0/16, RFC 3927) and multicast (224.0.0.0/4).
 * They are on every link, so they never identify a docker network.
 */
const LINK_SCOPED: Prefix[] = ['fe80::/10', 'ff00::/8', '169.254.0.0/16', '224.0.0.0/4'].map((t) => parsePrefix(t))

/** True when `text` (an address or a prefix) lies inside a link-local or multicast range. */
export function isLinkScoped(text: string): boolean {
  const p = tryParsePrefix(text)
  return p !== null && LINK_SCOPED.some((n) => p.length >= n.length && prefixesOverlap(n, p))
}
