/**
 * Values of dockerd's validated list and option flags that dockerd refuses while it parses its
 * flags (pflag calls the flag's Set, which calls moby's validator; dockerd prints "invalid
 * argument "foo" for "--label" flag: …" and exits before it starts anything).
 *
 * Only rules every measured engine (20.10.24, 26.1.5, 28.5.2) applies alike are here, learnt
 * from `dockerd --version <flag>` on each (test/dockerd/flag-values-oracle.test.ts holds the
 * table) and from moby's validators: opts/opts.go ValidateLabel, ValidateIPAddress,
 * ValidateDNSSearch (daemon/pkg/opts/opts.go in moby 28), opts/hosts.go ValidateHost /
 * ParseDaemonHost, opts/ulimit.go with docker/go-units ParseUlimit, opts/runtime.go
 * (NamedRuntimeOpt), opts/address_pools.go (PoolsOpt), registry ValidateMirror, opts
 * ValidateSingleGenericResource, opts MapMapOpts (--default-network-opt, 24 and later; 20.10
 * refuses the flag whatever its value), pflag's ip.go for --ip and --default-gateway(-v6) on
 * 26 and later, --host-gateway-ip (opts.IPOpt on 20.10, pflag's ip.go on 26, netip.ParseAddr on
 * 28) and --default-shm-size (opts.MemBytes: go-units RAMInBytes, v0.4 on 20.10 and 26, v0.5 on 28). Where engines differ (an empty --dns, a
 * path in a --registry-mirror, `-H /path`, a blank around a --default-gateway) nothing is
 * refused: a refusal we miss only costs the fix (dockerd refuses in its own words), a refusal
 * we invent would cost the fix for a start dockerd accepts. Flags not named here
 * (--log-opt, --storage-opt, --exec-opt, --insecure-registry…) are checked later by dockerd, if
 * at all, and are left to it.
 */
import type { DaemonJson } from './config-file.js'
import { configKeyOf } from './config-keys.js'
import type { FlagUse } from './flags.js'
import { shorthandOf } from './flags.js'
import { isGoIp } from '../net/prefix.js'

/** go-units ulimitNameMapping: the names --default-ulimit takes (case-sensitive). */
const ULIMIT_NAMES = new Set([
  'as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc',
  'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
])

/** The address forms pflag and moby accept for -H (ParseDaemonHost), case-sensitive. */
const HOST_PROTOS = new Set(['tcp', 'unix', 'npipe', 'fd'])

/** moby opts.domainRegexp (ValidateDNSSearch), with Go's `\s` (ASCII blanks). */
const DOMAIN = /^((?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))(?:\.(?:[a-zA-Z0-9]|(?:[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])))*)\.?[\t\n\f\r ]*$/

/** Why each validated flag refuses `value`, in moby's words, or null when it (or some engine) accepts it. */
const RULES: Record<string, (value: string) => string | null> = {
  label: (v) => {
    if (!v.includes('=')) return `bad attribute format: ${v}`
    return /^(com\.docker\.|io\.docker\.|org\.dockerproject\.)/i.test(v)
      ? `label ${v} is not allowed: the namespaces com.docker.*, io.docker.*, and org.dockerproject.* are reserved for internal use`
      : null
  },
  // 20.10 reads one address, 26 and later a comma-separated list: refused only when some part is
  // no address at all (an empty value or part: 20.10 refuses it, 26 accepts it).
  dns: (v) => {
    const bad = v.split(',').map((p) => p.trim()).find((p) => p !== '' && !isGoIp(p))
    return bad === undefined ? null : `invalid string being converted to IP address: ${bad}`
  },
  ip: (v) => notIp(v),
  'default-gateway': (v) => notIp(v),
  'default-gateway-v6': (v) => notIp(v),
  // 20.10 opts.IPOpt (net.ParseIP, untrimmed, "" refused), 26 pflag ip.go (trimmed, "" accepted), 28 a list of
  // netip.ParseAddr (untrimmed, zones accepted): refused when no engine reads an address in it.
  'host-gateway-ip': (v) => v.includes('%') ? null : notIp(v),
  'default-shm-size': refusedSize,
  'dns-search': (v) => {
    const d = v.replace(/^ +| +$/g, '')
    if (d === '.') return null
    const name = /[a-zA-Z]/.test(d) ? DOMAIN.exec(d)?.[1] : undefined
    return name !== undefined && name.length < 255 ? null : `${d} is not a valid domain`
  },
  host: (v) => {
    const h = v.trim()
    const at = h.indexOf('://')
    if (at < 0) return null // "host:port" is read as tcp; a bare path: 20.10 accepts it, 26 does not
    const proto = h.slice(0, at)
    return HOST_PROTOS.has(proto) ? null : `invalid bind address (${h}): unsupported proto '${proto}'`
  },
  'default-ulimit': refusedUlimit,
  'registry-mirror': (v) => {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(v)?.[1] ?? ''
    if (!['http', 'https'].includes(scheme.toLowerCase())) return `invalid mirror: unsupported scheme ${JSON.stringify(scheme)} in ${JSON.stringify(v)}`
    // Go's url.Parse: the fragment after the first "#", then the query after the first "?"
    // (a lone "?" at the end is none), then the authority after "//", up to the first "/".
    const [beforeFragment, fragment] = cut(v, '#')
    const [beforeQuery, query] = cut(beforeFragment, '?')
    if (query !== '' || fragment !== '') return `invalid mirror: query or fragment at end of the URI ${JSON.stringify(v)}`
    const rest = beforeQuery.slice(scheme.length + 1)
    return rest.startsWith('//') && cut(rest.slice(2), '/')[0].includes('@') ? `invalid mirror: username/password not allowed in URI ${JSON.stringify(v)}` : null
  },
  'node-generic-resource': (v) => v.includes('=') ? null : `invalid node-generic-resource format \`${v}\` expected \`name=value\``,
  // 24 and later (20.10 has no such flag): opts.MapMapOpts Set, root-key=key=value
  'default-network-opt': (v) => v.split('=').length < 3 ? `invalid value ${JSON.stringify(v)} for map option, should be root-key=key=value` : null,
  'add-runtime': (v) => {
    const eq = v.indexOf('=')
    return eq < 0 || v.slice(0, eq).trim() === '' || v.slice(eq + 1).trim() === '' ? `invalid runtime argument: ${v}` : null
  },
  'default-address-pool': (v) => {
    if (v === '') return 'EOF'
    if (v.includes('"')) return null // encoding/csv quoting: left to dockerd
    for (const field of v.split(',')) {
      const eq = field.indexOf('=')
      if (eq < 0) return `invalid field '${field}' must be a key=value pair`
      const key = field.slice(0, eq)
      if (!['base', 'size'].includes(key.toLowerCase())) return `unexpected key '${key}' in '${field}'`
    }
    return null
  },
}

/**
 * The first of `uses` (flags.ts parseDockerdFlags) whose value dockerd's validator refuses
 * while parsing flags, as one sentence naming it, or null: `--label=foo`, `--dns=1.2.3`,
 * `-H bogus://x`, `--default-ulimit=nofile=abc`, `--registry-mirror=notaurl`, and the others
 * in RULES. The words in parentheses are dockerd's (pflag failf plus moby's error), as 26.1
 * and 28.5 print them; 20.10 words some of them differently.
 */
export function refusedListValue(uses: readonly FlagUse[]): string | null {
  for (const f of uses) {
    const why = Object.hasOwn(RULES, f.name) ? RULES[f.name](f.value) : null
    if (why === null) continue
    const short = shorthandOf(f.name)
    const named = short ? `-${short}, --${f.name}` : `--${f.name}`
    return `your ${f.text} is refused by dockerd (invalid argument ${JSON.stringify(f.value)} for "${named}" flag: ${why})`
  }
  return null
}

/**
 * The flags of RULES whose daemon.json key (config-keys.ts configKeyOf) holds what the flag
 * takes, a string or a list of them, and whose values every measured engine refuses by the same
 * rule (test/dockerd/flag-values-oracle.test.ts runs each engine's config check on files):
 * "labels" and "dns-search" (daemon/config Validate, ValidateLabel and ValidateDNSSearch, 20.10
 * to 28), "dns" (20.10: Validate, ValidateIPAddress; 26 and later: encoding/json into []net.IP),
 * "ip", "default-gateway(-v6)" and "host-gateway-ip" (encoding/json into net.IP: "invalid IP address:
 * bogus"), "default-shm-size" (opts.MemBytes UnmarshalJSON: go-units RAMInBytes of the string's
 * text; a non-string, null included, is refusedConfigValue's), "hosts" (26 and later: Validate,
 * ValidateHost; 20.10: ParseHost as it loads its listeners, before it serves), "registry-mirrors"
 * (28: Validate; 20.10 and 26: registry.NewService, ValidateMirror, as the daemon is set up).
 * The file is read without the flag's trimming and splitting (a " 1.2.3.4" or a
 * "1.1.1.1,8.8.8.8" in the file is refused by every engine, yet passes here): the flag's rule
 * refuses less, never more. Left out: "default-ulimits", "runtimes", "default-address-pools",
 * whose file form (objects) is not the flag's text.
 */
const FILE_CHECKED = new Map<string, { flag: string, list: boolean }>([
  ...['label', 'dns', 'dns-search', 'host', 'registry-mirror'].map((flag) => [configKeyOf(flag), { flag, list: true }] as const),
  ...['ip', 'default-gateway', 'default-gateway-v6', 'host-gateway-ip', 'default-shm-size'].map((flag) => [flag, { flag, list: false }] as const),
])

/**
 * Why dockerd refuses a value in `daemonJson` by the rule its flag's value would be refused by
 * (RULES; the keys of FILE_CHECKED), as one sentence naming the key and the value, or null:
 * `"labels": ["foo"]`, `"dns": ["1.2.3"]`, `"hosts": ["bogus://x"]`, `"registry-mirrors":
 * ["mirror.gcr.io"]`, `"ip": "x"`. The first in file order, a list's in its order. A value of
 * another JSON kind is not looked at (config-keys.ts refusedConfigValue refuses a list key that
 * is no array, a string key that is no string, a non-string in a list). The words in parentheses are the
 * flag's validator's; dockerd words a file's refusal its own way ("invalid IP address: x").
 */
export function refusedConfigListValue(daemonJson: DaemonJson | null): string | null {
  for (const [key, value] of Object.entries(daemonJson ?? {})) {
    const checked = FILE_CHECKED.get(key)
    if (checked === undefined || checked.list !== Array.isArray(value)) continue
    const flag = checked.flag
    for (const v of checked.list ? value as unknown[] : [value]) {
      const why = typeof v === 'string' ? RULES[flag](v) : null
      if (why === null) continue
      const named = checked.list ? `"${key}" has ${JSON.stringify(v)},` : `"${key}": ${JSON.stringify(v)} is`
      return `daemon.json ${named} refused by dockerd as --${flag}=${v} would be (${why}): it does not start on the file`
    }
  }
  return null
}

/**
 * Why dockerd refuses the labels or generic resources it ends up with, flags' or file's, or null:
 * checked after flags and file are merged (moby cmd/dockerd loadDaemonCliConfig, 20.10 to 28),
 * so neither at flag parsing nor by the file's JSON. The first of:
 * - two labels with one key and different values, `--label a=b --label a=c` or `"labels": ["a=b",
 *   "a=c"]` (daemon/config GetConflictFreeLabels: "conflict labels for a=c and a=b"; the key is
 *   what comes before the first "=", a label without one is the validator's; the same label twice is fine);
 * - generic resources swarmkit's genericresource.Parse refuses (daemon/config Validate,
 *   ParseGenericResources): a term that is not one "=" between a key and a value (`bogus`,
 *   `a=b=c`), a negative count (`gpu=-1`), a key given a count and anything else (`gpu=1`, `gpu=2`).
 * Flag and file values are judged apart: given both ways, dockerd refuses the pair first
 * (config-keys.ts configConflicts). Non-strings in the file are refusedConfigValue's (config-keys.ts).
 */
export function refusedMergedValue(uses: readonly FlagUse[], daemonJson: DaemonJson | null): string | null {
  const strings = (key: string) => Array.isArray(daemonJson?.[key]) ? (daemonJson[key] as unknown[]).filter((v): v is string => typeof v === 'string') : []
  const flagLabels = uses.filter((f) => f.name === 'label')
  const labels = labelConflict(flagLabels.map((f) => f.value))
  if (labels) return `your ${labels.map((i) => flagLabels[i].text).join(' and ')} give one label two values: dockerd refuses to start ("conflict labels for ${flagLabels[labels[1]].value} and ${flagLabels[labels[0]].value}")`
  const fileLabels = strings('labels')
  const inFile = labelConflict(fileLabels)
  if (inFile) return `daemon.json "labels" has ${inFile.map((i) => JSON.stringify(fileLabels[i])).join(' and ')}, one label with two values: dockerd refuses to start ("conflict labels for ${fileLabels[inFile[1]]} and ${fileLabels[inFile[0]]}")`
  const resources = uses.filter((f) => f.name === 'node-generic-resource')
  const why = genericResourcesRefusal(resources.map((f) => f.value))
  if (why) return `your ${resources.map((f) => f.text).join(' ')} ${resources.length > 1 ? 'are' : 'is'} refused by dockerd (${why})`
  const fileWhy = genericResourcesRefusal(strings('node-generic-resources'))
  return fileWhy ? `daemon.json "node-generic-resources": ${JSON.stringify(daemonJson?.['node-generic-resources'])} is refused by dockerd (${fileWhy})` : null
}

/** The indices of the first label and the later one giving its key another value (GetConflictFreeLabels), or null. */
function labelConflict(labels: readonly string[]): [number, number] | null {
  const first = new Map<string, number>()
  for (const [i, label] of labels.entries()) {
    const [key, value] = cut(label, '=')
    if (!label.includes('=')) continue
    const j = first.get(key)
    if (j !== undefined && cut(labels[j], '=')[1] !== value) return [j, i]
    if (j === undefined) first.set(key, i)
  }
  return null
}

/** swarmkit api/genericresource Parse's refusal of `terms` in its words, or null (nothing given is nothing parsed). */
function genericResourcesRefusal(terms: readonly string[]): string | null {
  const values = new Map<string, string[]>()
  for (const term of terms) {
    const kv = term.split('=')
    if (kv.length !== 2) return `could not parse GenericResource: incorrect term ${term}, missing '=' or malformed expression`
    const key = goTrimSpace(kv[0])
    values.set(key, [...(values.get(key) ?? []), goTrimSpace(kv[1])])
  }
  for (const [key, vs] of values) {
    const counts = vs.map(goParseInt64)
    if (vs.length === 1 && counts[0] !== null) {
      if (counts[0] < 0n) return `could not parse GenericResource: cannot ask for negative resource ${key}`
    } else if (counts.some((n) => n !== null)) return `could not parse GenericResource: mixed discrete and named resources in expression '${key}=[${vs.join(' ')}]'`
  }
  return null
}

/** Go's strings.TrimSpace: Unicode White_Space at both ends (not JavaScript's trim, which takes U+FEFF too). */
function goTrimSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, '')
}

/** Go's strings.Cut: `s` before and after the first `sep`; after is '' when there is none. */
function cut(s: string, sep: string): [string, string] {
  const at = s.indexOf(sep)
  return at < 0 ? [s, ''] : [s.slice(0, at), s.slice(at + sep.length)]
}

/** An IP flag's refusal: 26 and later trim blanks and accept an empty value, 20.10 does neither, so only a non-address after trimming is refused. */
function notIp(v: string): string | null {
  const ip = v.trim()
  return ip === '' || isGoIp(ip) ? null : `failed to parse IP: ${JSON.stringify(v)}`
}

/**
 * go-units ParseUlimit: `name=soft[:hard]`, a known name, decimal int64 limits
 * (strconv.ParseInt base 10), soft no more than hard unless hard is -1 (unlimited).
 */
function refusedUlimit(v: string): string | null {
  const eq = v.indexOf('=')
  if (eq < 0) return `invalid ulimit argument: ${v}`
  const name = v.slice(0, eq)
  if (!ULIMIT_NAMES.has(name)) return `invalid ulimit type: ${name}`
  const limits = v.slice(eq + 1).split(':')
  if (limits.length > 2) return `too many limit value arguments - ${v.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``
  const parsed = limits.map(goParseInt64)
  const bad = limits.find((_, i) => parsed[i] === null)
  if (bad !== undefined) return `strconv.ParseInt: parsing ${JSON.stringify(bad)}: invalid syntax or value out of range`
  const [soft, hard = soft] = parsed as bigint[]
  return hard !== -1n && soft > hard ? `ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}` : null
}

/**
 * go-units RAMInBytes's refusal of `v` (opts.MemBytes Set), in its words, or null when either
 * version dockerd is built with reads it, or when `v` is not ASCII (left to dockerd):
 * - v0.4 (20.10.24, 26.1.5): `(?i)^(\d+(\.\d+)*) ?([kmgtp])?i?b?$`, then strconv.ParseFloat of the
 *   number (fails on a second "."): "-1", "-0", "1e3", ".5", "abc", "" refused; "64mi" accepted;
 * - v0.5 (28.5.2): the number is up to the last digit, "." or " " (a space there is dropped), read by
 *   ParseFloat ("1e3", "+5", ".5", "1_0" and "inf b" accepted), refused below 0 ("-1"; "-0" is not),
 *   then a suffix of b, or k/m/g/t/p with an optional b or ib, in any case ("64mi" refused).
 * v0.5's ParseFloat is judged loosely (a hex float needs its p exponent; range errors count as read), so only values both
 * versions surely refuse are refused.
 */
function refusedSize(v: string): string | null {
  if (!/^[\x00-\x7f]*$/.test(v)) return null
  const old = /^(\d+(?:\.\d+)*) ?[kmgtp]?i?b?$/i.exec(v)
  if (old && !old[1].includes('.', old[1].indexOf('.') + 1)) return null
  if (readByUnits05(v)) return null
  return old ? `strconv.ParseFloat: parsing ${JSON.stringify(old[1])}: invalid syntax` : `invalid size: '${v}'`
}

/** Whether go-units v0.5 parseSize may read `v` (ASCII): false only when it surely refuses it. */
function readByUnits05(v: string): boolean {
  const sep = Math.max(...[...'0123456789. '].map((c) => v.lastIndexOf(c)))
  if (sep < 0) return false
  const num = v[sep] === ' ' ? v.slice(0, sep) : v.slice(0, sep + 1)
  const sfx = v.slice(sep + 1).toLowerCase()
  const decimal = /^([+-]?)((?:[0-9_]+\.?[0-9_]*|\.[0-9_]+))([eE][+-]?[0-9_]+)?$/.exec(num)
  const float = decimal !== null || /^[+-]?(inf|infinity)$/i.test(num) || /^nan$/i.test(num) || /^[+-]?0[xX][0-9a-fA-F_.]*[pP][+-]?[0-9_]+$/.test(num)
  // Below 0 is refused: a "-" before a non-zero decimal without an exponent (one could underflow to -0), or -inf.
  const negative = /^-inf(inity)?$/i.test(num) || (decimal !== null && decimal[1] === '-' && decimal[3] === undefined && /[1-9]/.test(decimal[2]))
  return float && !negative && /^(b|[kmgtp](b|ib)?)?$/.test(sfx)
}

/** strconv.ParseInt(s, 10, 64): an optional sign and decimal digits, within int64; else null. */
function goParseInt64(s: string): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null
  const n = BigInt(s)
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : null
}
