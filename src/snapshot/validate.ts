/**
 * Checking that a snapshot handed to `plan --state` has the shape of the contract
 * (shared/cases/README.md), so that a pasted, hand-edited or truncated snapshot is refused with
 * the field at fault named, instead of crashing the planner or being read as "link down".
 * Required: what the contract shows without "optional" and every reader writes (REQUIRED, the
 * link and route fields below; a value may be null where the contract says so). Fields the
 * contract marks optional, and route fields a reader may not know (gw, metric, mtu, table), may
 * be absent; present ones must have their type.
 */

import { isUsableMtu, LINK_MTU_MAX, LINK_MTU_MIN } from '../net/mtu-limits.js'
import { isGoCidr, isGoIp, tryParsePrefix } from '../net/prefix.js'

type Obj = Record<string, unknown>

/**
 * The problems of `value` as a snapshot, each naming its path (`links[1] (eth0).mtu`); empty
 * when it is one. Never throws.
 */
export function snapshotProblems(value: unknown): string[] {
  const out: string[] = []
  if (!isObject(value)) return [`expected a JSON object (a snapshot), got ${kind(value)}`]
  // One machine has one link of a name (the kernel's dev_get_by_name): a second would be read
  // in place of the first, silently.
  const named = new Map<string, string>()
  list(value, 'links', out, (l, at) => {
    const name = typeof l.name === 'string' && l.name !== '' ? l.name : null
    const where = name ? `${at} (${name})` : at
    if (!name) out.push(`${at}.name: expected a non-empty string, got ${show(l.name)}`)
    // Names Node decoded with U+FFFD may be two links' different bytes (a snapshot of br\xff and br\xef\xbf\xbd).
    else if (named.has(name) && !name.includes('\uFFFD')) out.push(`${where}.name: ${named.get(name)} is named ${name} too (a machine has one link of a name)`)
    else named.set(name, at)
    if (!isMtu(l.mtu)) out.push(`${where}.mtu: ${show(l.mtu)} is not an MTU (an integer from ${LINK_MTU_MIN} to ${LINK_MTU_MAX} bytes)`)
    if (typeof l.up !== 'boolean') out.push(`${where}.up: expected true or false, got ${show(l.up)}`)
    if (!('type' in l)) out.push(`${where}.type: missing (required)`)
    if (!('mac' in l)) out.push(`${where}.mac: missing (required; null when unknown)`)
    optional(l, 'type', where, out, (v) => typeof v === 'string', 'a string')
    optional(l, 'mac', where, out, (v) => v === null || typeof v === 'string', 'a string or null')
    optional(l, 'master', where, out, (v) => v === null || typeof v === 'string', 'a string or null')
    optional(l, 'addr_assign_type', where, out, (v) => v === null || Number.isInteger(v), 'an integer or null')
    optional(l, 'addrs', where, out, (v) => Array.isArray(v) && v.every((a) => typeof a === 'string'), 'a list of strings')
    if (Array.isArray(l.addrs)) {
      // As the reader writes them (`local/prefixlen` of `ip -j addr`): Go's CIDR form, strictly.
      const bad = l.addrs.findIndex((a) => typeof a === 'string' && !isGoCidr(a))
      if (bad >= 0) out.push(`${where}.addrs[${bad}]: ${show(l.addrs[bad])} is not an address with its prefix length (10.0.0.7/24, 2001:db8::7/64)`)
    }
  })
  for (const key of ['routes4', 'routes6']) {
    list(value, key, out, (r, at) => {
      // iproute2's forms: "default", a prefix, a bare address for a host route.
      if (typeof r.dst !== 'string' || (r.dst !== 'default' && tryParsePrefix(r.dst) === null)) out.push(`${at}.dst: expected "default" or a prefix, got ${show(r.dst)}`)
      optional(r, 'gw', at, out, (v) => v === null || (typeof v === 'string' && isGoIp(v)), 'an address or null')
      if (!('dev' in r)) out.push(`${at}.dev: missing (required; null when unknown)`)
      optional(r, 'dev', at, out, (v) => v === null || typeof v === 'string', 'a string or null')
      optional(r, 'metric', at, out, (v) => v === null || Number.isInteger(v), 'an integer or null')
      optional(r, 'mtu', at, out, (v) => v === null || isMtu(v), `an MTU (${LINK_MTU_MIN}..${LINK_MTU_MAX}) or null`)
      optional(r, 'table', at, out, (v) => v === null || typeof v === 'string' || Number.isInteger(v), 'a table name or number')
      optional(r, 'nexthops', at, out, (v) => Array.isArray(v) && v.every((h) => isObject(h) && (h.dev === null || typeof h.dev === 'string')), 'a list of {dev, gw}')
    })
  }
  for (const key of ['rules4', 'rules6']) {
    list(value, key, out, (r, at) => {
      if (!Number.isInteger(r.priority)) out.push(`${at}.priority: expected an integer, got ${show(r.priority)}`)
    })
  }
  list(value, 'conntrack', out, (e, at) => {
    if (typeof e.id !== 'string') out.push(`${at}.id: expected a string, got ${show(e.id)}`)
    if (typeof e.proto !== 'string') out.push(`${at}.proto: expected a string, got ${show(e.proto)}`)
    for (const dir of ['orig', 'reply']) {
      const d = e[dir]
      if (!isObject(d) || typeof d.src !== 'string' || typeof d.dst !== 'string') out.push(`${at}.${dir}: expected {src, dst, sport?, dport?}, got ${show(d)}`)
    }
  })
  if ('daemon_json' in value && value.daemon_json !== null && !isObject(value.daemon_json)) {
    out.push(`daemon_json: expected an object or null, got ${kind(value.daemon_json)}`)
  }
  if ('argv' in value && !(Array.isArray(value.argv) && value.argv.every((a) => typeof a === 'string'))) {
    out.push(`argv: expected a list of strings, got ${show(value.argv)}`)
  }
  if ('env' in value && value.env !== undefined && !(isObject(value.env) && Object.values(value.env).every((v) => typeof v === 'string'))) {
    out.push(`env: expected an object of strings, got ${show(value.env)}`)
  }
  if ('read_errors' in value && value.read_errors !== undefined && !(Array.isArray(value.read_errors) && value.read_errors.every((e) => typeof e === 'string'))) {
    out.push(`read_errors: expected a list of strings (one line each), got ${show(value.read_errors)}`)
  }
  for (const key of ['dockerd_version', 'daemon_json_path']) {
    if (key in value && value[key] !== undefined && value[key] !== null && typeof value[key] !== 'string') out.push(`${key}: expected a string or null, got ${show(value[key])}`)
  }
  if ('euid' in value && value.euid !== undefined && value.euid !== null && !(Number.isInteger(value.euid) && (value.euid as number) >= 0)) {
    out.push(`euid: expected a uid (an integer >= 0) or null, got ${show(value.euid)}`)
  }
  if ('rootlesskit' in value && value.rootlesskit !== undefined && value.rootlesskit !== null) {
    const r = value.rootlesskit
    if (!isObject(r)) out.push(`rootlesskit: expected {net} or null, got ${show(r)}`)
    else if (r.net !== undefined && r.net !== null && typeof r.net !== 'string') out.push(`rootlesskit.net: expected a driver name or null, got ${show(r.net)}`)
  }
  if ('sandbox' in value && value.sandbox !== undefined && value.sandbox !== null) {
    const b = value.sandbox
    if (!isObject(b) || !SANDBOX_KINDS.includes(b.kind as string) || typeof b.evidence !== 'string') {
      out.push(`sandbox: expected {kind: ${SANDBOX_KINDS.map((k) => `"${k}"`).join(' | ')}, evidence: string} or null, got ${show(b)}`)
    }
  }
  // Last: a wrong value is named where it stands; a missing one after.
  for (const [key, note] of REQUIRED) if (!(key in value) || value[key] === undefined) out.push(`${key}: missing (${note})`)
  return out
}

const SANDBOX_KINDS: readonly string[] = ['gvisor', 'sysbox', 'kata']

/** The snapshot's top-level fields the contract requires (every reader writes them), each with what to say when it is missing. */
const REQUIRED: readonly [string, string][] = [
  ['links', 'required'], ['routes4', 'required'], ['routes6', 'required'],
  ['daemon_json', 'required; null when there is none'], ['argv', 'required'],
]

function list(value: Obj, key: string, out: string[], each: (item: Obj, at: string) => void): void {
  if (!(key in value) || value[key] === undefined) return
  const items = value[key]
  if (!Array.isArray(items)) { out.push(`${key}: expected a list, got ${kind(items)}`); return }
  items.forEach((item, i) => {
    const at = `${key}[${i}]`
    if (!isObject(item)) out.push(`${at}: expected an object, got ${show(item)}`)
    else each(item, at)
  })
}

function optional(o: Obj, key: string, at: string, out: string[], ok: (v: unknown) => boolean, want: string): void {
  if (key in o && o[key] !== undefined && !ok(o[key])) out.push(`${at}.${key}: expected ${want}, got ${show(o[key])}`)
}

function isMtu(v: unknown): boolean {
  return isUsableMtu(v)
}

/** A JSON object (not null, not a list). */
export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing'
  const text = JSON.stringify(v)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}
