/**
 * How each of our options' values is read: switches, MTUs, choices, a bridge NAME=CIDR, a probe
 * host, an engine version. Each throws a UsageError naming where the value came from.
 */
import { parseBool } from '../dockerd/flags.js'
import { ADDRESS_BITS, type Family } from '../net/family.js'
import { IFNAMSIZ } from '../net/kernel.js'
import { CONTAINER_MTU_MAX, IPV4_MIN_MTU } from '../net/mtu-limits.js'
import { addressFamily, addressToBigInt, formatAddress, mask, parsePrefix } from '../net/prefix.js'
import { UsageError } from './usage-error.js'

/**
 * A switch's value: pflag's boolean words (parseBool: 1 t true, 0 f false…), in any case, and
 * yes/on, no/off, as shells and YAML write them. `from` names the flag or variable.
 * @throws UsageError for any other word
 */
export function readSwitch(raw: string, from: string): boolean {
  const known = switchWord(raw)
  if (known === null) throw new UsageError(`invalid value for ${from}: "${raw}" (expected ${SWITCH_WORDS_TEXT}, any case)`)
  return known
}

/**
 * The one home of the words a switch takes, after `=` and as the next word (invocation.ts
 * takeOurs): what readSwitch reads `word` as, or null when it is no switch word.
 */
export function switchWord(word: string): boolean | null {
  const v = word.toLowerCase()
  return parseBool(v) ?? SHELL_SWITCH_WORDS.get(v) ?? null
}

const SHELL_SWITCH_WORDS = new Map([['yes', true], ['on', true], ['no', false], ['off', false]])

/** The switch words as messages list them. */
export const SWITCH_WORDS_TEXT = '1, t, true, yes, on or 0, f, false, no, off'

/**
 * The cap we may plan up to: from IPV4_MIN_MTU (no planned MTU goes below it) to
 * CONTAINER_MTU_MAX (the most a bridge and its veths take), both in src/net/mtu-limits.ts.
 */
export function readMtu(raw: string, from: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (!(n >= IPV4_MIN_MTU && n <= CONTAINER_MTU_MAX)) {
    throw new UsageError(`invalid value for ${from}: "${raw}" (expected an MTU in bytes, an integer from ${IPV4_MIN_MTU} to ${CONTAINER_MTU_MAX})`)
  }
  return n
}

export function readChoice<T extends string>(raw: string, from: string, choices: readonly T[]): T {
  const hit = choices.find((c) => c === raw)
  if (!hit) throw new UsageError(`invalid value for ${from}: "${raw}" (expected ${choices.join(' or ')})`)
  return hit
}

/** `NAME=CIDR`: a bridge name (bridgeNameProblem) and the gateway address with its prefix. */
export function readBridge(raw: string, from: string): { name: string, cidr: string } {
  const bad = (why: string) => new UsageError(`invalid value for ${from}: "${raw}" (${why}; e.g. br-ci=10.99.0.1/24)`)
  const eq = raw.indexOf('=')
  const name = raw.slice(0, eq < 0 ? undefined : eq)
  const problem = bridgeNameProblem(name)
  if (problem) throw bad(problem)
  if (eq < 0) throw bad('expected NAME=CIDR')
  const cidr = raw.slice(eq + 1)
  const [addr = '', prefix, extra] = cidr.split('/')
  const family = addressFamily(addr)
  const bits = prefix !== undefined && /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN
  if (!family || extra !== undefined || !(bits >= 1 && bits <= (family === 4 ? 32 : 128))) {
    throw bad(`"${cidr}" is not an address with a prefix length`)
  }
  const notGateway = notAGateway(addr, bits)
  if (notGateway) throw bad(`"${cidr}": ${addr} is ${notGateway}, which cannot be the bridge's gateway (${formatAddress(family as Family, parsePrefix(cidr).network + 1n)}/${bits} can)`)
  return { name, cidr }
}

/**
 * What `addr` is in its `length`-bit prefix when no host may take it, or null. IPv4: the network
 * address (host bits 0) and the broadcast address (host bits 1) of a prefix up to /30 (RFC 919,
 * RFC 922; a /31 has neither, RFC 3021). IPv6 has no broadcast; host bits 0 are the
 * Subnet-Router anycast address (RFC 4291 2.6.1) up to /126 (a /127 has none, RFC 6164).
 */
function notAGateway(addr: string, length: number): string | null {
  const { family, value } = addressToBigInt(addr)
  if (length >= ADDRESS_BITS[family] - 1) return null
  const host = value & ~mask(family, length)
  if (host === 0n) return family === 4 ? `the network address of /${length}` : `the Subnet-Router anycast address of /${length} (host bits 0)`
  if (family === 4 && host === (1n << BigInt(32 - length)) - 1n) return `the broadcast address of /${length}`
  return null
}

/** A host name or address for ping: no blanks, not starting with `-` (ping would read it as an option). */
export function readHost(raw: string, from: string): string {
  if (!/^[A-Za-z0-9_.:%\[\]-]{1,253}$/.test(raw) || raw.startsWith('-')) {
    throw new UsageError(`invalid value for ${from}: "${raw}" (expected a host name or an IP address, e.g. 1.1.1.1)`)
  }
  return raw.replace(/^\[(.*)\]$/, '$1')
}

/** A Docker Engine version as `dockerd --version` prints it: MAJOR.MINOR[.PATCH][suffix]. */
export function readVersion(raw: string, from: string): string {
  if (!/^v?\d+\.\d+(\.\d+)?([-+~][\w.~+-]*)?$/.test(raw)) {
    throw new UsageError(`invalid value for ${from}: "${raw}" (expected an engine version such as 27.3.1)`)
  }
  return raw.replace(/^v/, '')
}

/**
 * Why `name` cannot name a Linux interface, or null when it can. The kernel's rule
 * (dev_valid_name, net/core/dev.c): not empty, shorter than IFNAMSIZ (16) bytes with its NUL,
 * not "." or "..", no byte '/', ':' or isspace(); the kernel's isspace (lib/ctype.c) counts
 * 0xA0 too, so a UTF-8 name with that byte ("brà": c3 a0) is refused (EINVAL; tried). No '%'
 * either: the kernel makes "%d" a number of its choosing and refuses any other '%'
 * (dev_alloc_name_ns, net/core/dev.c: `ip link add br%d type bridge` made br0, br%x is EINVAL;
 * tried), so no interface ever has the name asked for. Ours adds '=', which separates NAME from
 * CIDR in --autonet-bridge.
 */
export function interfaceNameProblem(name: string): string | null {
  const bytes = Buffer.from(name, 'utf8')
  if (bytes.length === 0) return 'it is empty'
  if (bytes.length >= IFNAMSIZ) return `${bytes.length} bytes, at most ${IFNAMSIZ - 1} (IFNAMSIZ ${IFNAMSIZ} with the NUL)`
  if (name === '.' || name === '..') return '"." and ".." are refused by the kernel'
  if (name.includes('%')) return 'no "%" (the kernel puts a number of its choosing for "%d" and refuses any other "%")'
  const bad = [...bytes].find((b) => b === 0x2f || b === 0x3a || b === 0x3d || KERNEL_SPACE.has(b) || b === 0)
  if (bad === undefined) return null
  if (bad === 0x3d) return 'no "=" (it separates NAME from CIDR)'
  return bad === 0x2f || bad === 0x3a ? `no "${String.fromCharCode(bad)}" in an interface name` : `no whitespace in an interface name (byte 0x${bad.toString(16).padStart(2, '0')})`
}

/**
 * Why `name` cannot name a second daemon's bridge, or null: an interface name
 * (interfaceNameProblem), and not docker0, the default bridge, which is the first daemon's.
 */
export function bridgeNameProblem(name: string): string | null {
  const problem = interfaceNameProblem(name)
  if (problem) return `"${name}" is not an interface name: ${problem}`
  if (name === DEFAULT_BRIDGE) return `"${DEFAULT_BRIDGE}" is the first daemon's bridge (dockerd's default)`
  return null
}

/** The bridge dockerd uses when told none (moby: bridge.DefaultBridgeName). */
export const DEFAULT_BRIDGE = 'docker0'

/** A Linux interface name, and no '=' (interfaceNameProblem). */
export function isInterfaceName(name: string): boolean {
  return interfaceNameProblem(name) === null
}

/** Bytes the kernel's isspace() is true for (lib/ctype.c: \t \n \v \f \r, space, 0xA0). */
const KERNEL_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0])
