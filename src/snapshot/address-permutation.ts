/**
 * The address half of `snapshot --anonymize`: a keyed, prefix-preserving permutation of IP
 * addresses (the Crypto-PAn construction, with HMAC-SHA256 as the function). Two addresses share
 * exactly as many leading bits after as before, so every "is in", "overlaps" and "same subnet"
 * relation survives; special ranges stay recognisable (see anonymize.ts for the whole contract).
 */
import { DOCKER0_DEFAULT_SUBNET } from '../dockerd/bridges.js'
import { hmacSha256 } from '../digest.js'
import type { MachineState } from '../model.js'
import { ADDRESS_BITS as WIDTH, type Family } from '../net/family.js'
import { addressFamily, addressToBigInt, formatAddress, mask, type Prefix, tryParsePrefix } from '../net/prefix.js'

/** Ranges whose leading bits are kept (addresses in them stay in them, and only they do). */
const PATH_KEPT: Record<Family, string[]> = {
  4: ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '198.18.0.0/15',
    '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '192.0.0.0/24'],
  6: ['fc00::/7', 'fe80::/64', '2001:db8::/32', '64:ff9b::/96', '::ffff:0:0/96'],
}
/** Ranges kept exactly: nothing about them identifies a machine, and the planner knows 172.17.0.0/16 by value. */
const IDENTITY: Record<Family, string[]> = {
  4: ['127.0.0.0/8', DOCKER0_DEFAULT_SUBNET, '224.0.0.0/4', '255.255.255.255/32', '0.0.0.0/32', '169.254.169.254/32'],
  6: ['::/128', '::1/128', 'ff00::/8'],
}
/** Host bits kept inside a subnet the snapshot names (the last 16: a /16's whole host part). */
const HOST_BITS_KEPT = 16

/** Every "address/length" the snapshot mentions, anywhere (links, routes, daemon.json, argv). */
export function mentionedSubnets(state: MachineState): Prefix[] {
  const out: Prefix[] = []
  const seen = new Set<string>()
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/[0-9a-fA-F:.]+\/\d{1,3}/g)) {
        const r = tryParsePrefix(m[0])
        // Very short prefixes (/0, def1's /1 halves) would keep host bits of everything.
        if (!r || r.length >= WIDTH[r.family] || r.length < (r.family === 4 ? 8 : 32)) continue
        // Link-local interface ids are made from MACs.
        if (r.family === 6 && r.network >> 118n === 0x3fan) continue
        const k = `${r.family}/${r.network}/${r.length}`
        if (!seen.has(k)) { seen.add(k); out.push(r) }
      }
    } else if (Array.isArray(v)) v.forEach(visit)
    else if (v && typeof v === 'object') Object.values(v).forEach(visit)
  }
  visit(state)
  return out
}

/**
 * Prefix-preserving permutation of addresses: output bit i is input bit i, flipped by a keyed
 * function of input bits 0..i-1 — unless those bits lie on the way to a kept range, inside an
 * identity range, or inside a mentioned subnet's kept host bits. Each bit's fate depends only on
 * the bits before it, which is what makes it a prefix-preserving bijection.
 */
export class AddressPermutation {
  readonly #key: Buffer | string
  readonly #path: Prefix[]
  readonly #identity: Prefix[]
  readonly #subnets: Prefix[]
  readonly #memo = new Map<string, bigint>()

  constructor(key: Buffer | string, subnets: Prefix[] = []) {
    this.#key = key
    const ranges = (t: Record<Family, string[]>) => ([4, 6] as Family[]).flatMap((f) => t[f].map((s) => tryParsePrefix(s)!))
    this.#identity = ranges(IDENTITY)
    this.#path = [...ranges(PATH_KEPT), ...this.#identity]
    this.#subnets = subnets
  }

  /** Maps an integer address of `family`. */
  map(family: Family, value: bigint): bigint {
    const w = WIDTH[family]
    let out = 0n
    for (let i = 0; i < w; i++) {
      const bit = (value >> BigInt(w - 1 - i)) & 1n
      const prefix = i === 0 ? 0n : value >> BigInt(w - i)
      out = (out << 1n) | (bit ^ (this.#keeps(family, prefix, i) ? 0n : this.#flip(family, prefix, i)))
    }
    return out
  }

  /** Maps one address written as text; non-addresses are returned unchanged. */
  mapAddress(addr: string): string {
    return this.mapText(addr, (z) => z) ?? addr
  }

  /**
   * Maps "ADDR", "ADDR/LEN" or "ADDR%ZONE": a network (host bits zero, shorter than a host
   * route) stays a network; the zone goes through `zone`. Null when the text is not an address.
   */
  mapText(text: string, zone: (z: string) => string): string | null {
    const m = /^([^/%]+)(%[^/]+)?(\/\d+)?$/.exec(text)
    if (!m) return null
    if (!addressFamily(m[1])) return null
    const { family, value } = addressToBigInt(m[1])
    const w = WIDTH[family]
    const length = m[3] ? Number(m[3].slice(1)) : w
    if (length > w) return null
    const isNetwork = m[3] !== undefined && length < w && (value & ~mask(family, length) & ((1n << BigInt(w)) - 1n)) === 0n
    let mapped = this.map(family, value)
    if (isNetwork) mapped &= mask(family, length)
    const addrText = formatAddress(family, mapped)
    return `${addrText}${m[2] ? `%${zone(m[2].slice(1))}` : ''}${m[3] ?? ''}`
  }

  #keeps(family: Family, prefix: bigint, i: number): boolean {
    const w = WIDTH[family]
    for (const r of this.#path) {
      if (r.family === family && i < r.length && (r.network >> BigInt(w - i)) === prefix) return true
    }
    for (const r of this.#identity) {
      if (r.family === family && i >= r.length && (prefix >> BigInt(i - r.length)) === (r.network >> BigInt(w - r.length))) return true
    }
    // IPv6: only small host numbers (::1, ::2 of docker's fixed-cidr-v6), never SLAAC ids made from MACs.
    const smallHost = family === 4 || (i >= w - HOST_BITS_KEPT && ((prefix >> BigInt(i - (w - HOST_BITS_KEPT))) & ((1n << 48n) - 1n)) === 0n)
    if (i >= w - HOST_BITS_KEPT && smallHost) {
      for (const r of this.#subnets) {
        if (r.family === family && i >= r.length && (prefix >> BigInt(i - r.length)) === (r.network >> BigInt(w - r.length))) return true
      }
    }
    return false
  }

  #flip(family: Family, prefix: bigint, i: number): bigint {
    const k = `${family}/${i}/${prefix}`
    let v = this.#memo.get(k)
    if (v === undefined) {
      v = BigInt(hmacSha256(this.#key, k)[0] & 1)
      this.#memo.set(k, v)
    }
    return v
  }
}
