/**
 * Hashes, with node:crypto loaded on first use. Loading that module costs the start path about
 * 2.5 ms (some twenty internal modules: ciphers, keys, webcrypto; user time of a cold require,
 * measured here with hyperfine), a twentieth of the wrapper's own start-up, while most starts hash nothing: the MAC pin and the
 * conntrack entry ids need one only when there is a bridge or a conntrack table to work on.
 * A static `import` would load it at every start, in the tsc output and in the bundle alike.
 */
import { createRequire } from 'node:module'
import type * as Crypto from 'node:crypto'

let crypto: typeof Crypto | undefined
function lazyCrypto(): typeof Crypto {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof Crypto
  return crypto
}

/** The digest of `data` (UTF-8 when a string) with `algorithm` ('sha1', 'sha256'), as bytes. */
export function digest(algorithm: 'sha1' | 'sha256', data: string): Buffer {
  return lazyCrypto().createHash(algorithm).update(data, 'utf8').digest()
}

/** HMAC-SHA256 of `data` (UTF-8 when a string) under `key`, as bytes (RFC 2104). */
export function hmacSha256(key: string | Uint8Array, data: string | Uint8Array): Buffer {
  return lazyCrypto().createHmac('sha256', key).update(data).digest()
}
