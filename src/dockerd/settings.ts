/**
 * What dockerd will run with, worked out once from its argv and its config file: the answer to
 * "which bridge, which MTU, which subnets, IPv6 or not, which API socket" that the planner,
 * doctor, the wrapper, the test helpers and the benchmarks all ask.
 *
 * A flag beats daemon.json for the same setting (when both are given dockerd refuses to start,
 * which the planner warns about: config-keys.ts); every spelling of a flag counts (flags.ts).
 * Sources: dockerd reference ("Daemon configuration file"), moby cmd/dockerd/config*.go.
 */
import type { DaemonJson } from './config-file.js'
import { flattenedHolder, goIntProblem } from './config-keys.js'
import { CONTAINER_MTU_MAX, isContainerMtu, LINK_MTU_MIN } from '../net/mtu-limits.js'
import { addressToBigInt, formatAddress, isGoCidr, parsePrefix, prefixContains, prefixesOverlap } from '../net/prefix.js'
import { parseEngineVersion } from './engine-features.js'
import { type FlagUse, flagValues, goParseInt, isTrue, lastFlagValue, parseDockerdFlags, refusedFlagValue } from './flags.js'

/** daemon.json / --default-network-opt key of the bridge driver's per-network MTU option. */
export const BRIDGE_MTU_OPTION = 'com.docker.network.driver.mtu'

/** An MTU the user set: its value in bytes (null when not an integer), as written, and where ("your --mtu=1400"). */
export interface ExplicitMtu {
  /** Bytes as dockerd reads them; 0 is dockerd's default (1500), below 0 dockerd refuses to start. */
  value: number | null
  raw: string
  source: string
  /** The flag as written ("--mtu 1400"); null when the MTU comes from daemon.json. */
  flag: string | null
}

/** A setting's text as the user gave it; a non-string daemon.json value as its String() (no prefix parses from it). */
type Text = string | null

/** What dockerd is told, typed. Absent settings are null (dockerd's default applies). */
export interface DockerdSettings {
  /** Every flag occurrence in argv, in order. */
  flags: FlagUse[]
  daemonJson: DaemonJson | null
  /** The bridge of the default network: --bridge/-b, else daemon.json "bridge" (a string); null = docker0, as is an empty name (moby initBridgeDriver: `if Iface != ""`). */
  bridge: string | null
  /** The MTU the user chose: the last --mtu, else daemon.json "mtu". */
  mtu: ExplicitMtu | null
  /** daemon.json "mtu", whether or not a flag overrides it (doctor compares the file with the running daemon). */
  fileMtu: ExplicitMtu | null
  /** --bip / "bip": the default bridge's gateway address and prefix. */
  bip: Text
  fixedCidr: Text
  fixedCidrV6: Text
  /** Bases of the address pools, with where each came from (--default-address-pool, daemon.json). */
  addressPools: { base: Text, from: string }[]
  /** --ipv6 or "ipv6": true. */
  ipv6: boolean
  /** API hosts: the -H/--host flags, else daemon.json "hosts" (strings only). */
  hosts: string[]
  /** Where the user already gave user-defined networks an MTU (--default-network-opt or daemon.json default-network-opts). */
  networkMtu: { source: 'argv', text: string } | { source: 'daemon.json', value: unknown } | null
}

/**
 * Resolves dockerd's settings from its `argv` (without the program name) and its parsed config
 * file (`daemonJson`, null when absent). Pure; never throws: malformed values stay as written
 * (`mtu.value` null, a prefix text that does not parse) for the caller to report.
 */
export function resolveSettings(argv: readonly string[], daemonJson: DaemonJson | null): DockerdSettings {
  const flags = parseDockerdFlags(argv)
  const dj = daemonJson ?? {}
  const text = (flag: string, key: string = flag): Text => {
    const v = lastFlagValue(flags, flag)?.value ?? dj[key]
    return v === undefined || v === null ? null : String(v)
  }
  const pools = [
    ...flagValues(flags, 'default-address-pool').map((pool) => ({ base: /base=([^,]+)/.exec(pool)?.[1] ?? null, from: '--default-address-pool' })),
    ...(Array.isArray(dj['default-address-pools'])
      ? (dj['default-address-pools'] as { base?: unknown }[]).map((pool) => ({ base: textOf(pool?.base), from: 'daemon.json default-address-pools' }))
      : []),
  ]
  let hosts = flagValues(flags, 'host')
  if (hosts.length === 0 && Array.isArray(dj.hosts)) hosts = (dj.hosts as unknown[]).filter((h): h is string => typeof h === 'string')
  return {
    flags,
    daemonJson,
    bridge: (lastFlagValue(flags, 'bridge')?.value ?? (typeof dj.bridge === 'string' ? dj.bridge : null)) || null,
    mtu: flagMtu(flags) ?? fileMtu(daemonJson),
    fileMtu: fileMtu(daemonJson),
    bip: text('bip'),
    fixedCidr: text('fixed-cidr'),
    fixedCidrV6: text('fixed-cidr-v6'),
    addressPools: pools,
    ipv6: isTrue(lastFlagValue(flags, 'ipv6')?.value) || dj.ipv6 === true,
    hosts,
    networkMtu: networkMtu(flags, dj),
  }
}

/**
 * Where the user already chose the default network's bridge or its address: the first of
 * -b/--bridge, --bip, --bip6 set in argv (the last use of the flag, not empty), else in
 * daemon.json (any value but "" and null), with the text naming it ("your --bip=10.5.0.1/24",
 * `daemon.json "bip": "10.5.0.1/24"`); null when none. With any of them dockerd must not be given
 * a --bridge of ours: a bridge of the user's wins, and dockerd refuses -b next to --bip or --bip6
 * (moby daemon verifyDaemonSettings: "You specified -b & --bip, mutually exclusive options").
 * An empty value, flag or file, is dockerd's default and no choice: the bridge is docker0 and
 * verifyDaemonSettings checks `IP != ""` (20.10 to 28). A file's empty "bip" or "bip6" therefore
 * takes our --bridge; an empty "bridge" does not, though it chooses nothing: dockerd refuses any
 * --bridge next to the key, whatever its value (daemon/config findConfigurationConflicts looks at
 * the keys present; fileBridgeClash).
 */
export function ownBridgeChoice({ flags, daemonJson }: Pick<DockerdSettings, 'flags' | 'daemonJson'>): { key: 'bridge' | 'bip' | 'bip6', text: string } | null {
  for (const key of BRIDGE_CHOICES) {
    // An empty value is dockerd's default (moby checks `IP != ""`): no choice, and a later flag of ours wins.
    const flag = lastFlagValue(flags, key)
    if (flag && flag.value !== '') return { key, text: `your ${flag.text}` }
  }
  const key = BRIDGE_CHOICES.find((k) => daemonJson?.[k] !== undefined && daemonJson[k] !== null && daemonJson[k] !== '')
  return key ? { key, text: `daemon.json "${key}": ${JSON.stringify(daemonJson![key])}` } : null
}

/**
 * daemon.json's "bridge" where it names no bridge yet clashes with a --bridge flag, or null:
 * - top-level "" or null: docker0; a --bridge flag next to it makes dockerd refuse to start
 *   ("the following directives are specified both as a flag and in the configuration file:
 *   bridge: (from flag: x, from file: )", checked on 20.10, 26.1 and 28.5:
 *   test/dockerd/config-values-oracle.test.ts);
 * - inside an object dockerd flattens (`"proxies": {"bridge": "br0"}`; config-keys.ts
 *   flattenedHolder): Go reads no bridge from it, so the default network is docker0, and the
 *   flag clashes with it all the same (moby configValuesSet; --validate on 26.1.5 and 28.5.2).
 * A second daemon's bridge cannot be had with either. `text` names the key, `fix` says what to
 * change for --bridge=`name` to be passed.
 */
export function fileBridgeClash(daemonJson: DaemonJson | null, name: string): { text: string, fix: string } | null {
  const v = daemonJson?.bridge
  if (v === '' || v === null) return { text: `daemon.json "bridge": ${JSON.stringify(v)}`, fix: `remove "bridge" from daemon.json or set it to "${name}"` }
  if (v !== undefined) return null
  const holder = flattenedHolder(daemonJson, 'bridge')
  if (holder === null) return null
  const inner = JSON.stringify((daemonJson![holder] as Record<string, unknown>).bridge)
  return { text: `daemon.json "${holder}": {"bridge": ${inner}} (dockerd compares it with its flags, yet reads no bridge from it)`, fix: `remove "bridge" from "${holder}" in daemon.json` }
}

const BRIDGE_CHOICES = ['bridge', 'bip', 'bip6'] as const

/** The link-local prefix a bridge's IPv6 addresses come from (RFC 4291 2.5.6), which fixed-cidr-v6 must not overlap unless it is it. */
const LINK_LOCAL_64 = parsePrefix('fe80::/64')

/**
 * Why dockerd refuses to start on the MTU it is given, or null (the one statement of that rule;
 * the planner warns with it, start-decision.ts steps aside on it):
 * - any --mtu whose value pflag cannot read (flags.ts refusedFlagValue: `--mtu=abc`, `--mtu=`,
 *   `--mtu=1.5`; every use is parsed, not only the last);
 * - daemon.json "mtu" that is not a JSON integer: a string ("1400", "0x578"), a boolean, an array
 *   or an object, or a number with a fraction (1400.5) or beyond int64: Go's encoding/json will
 *   not put it into dockerd's `MTU int` (json "mtu"; moby daemon/config), so the file is refused.
 *   An integral number written with a fraction or exponent (1400.0, 1.4e3) is refused too, but
 *   JSON.parse cannot tell it from 1400: the config reader reports it (config-file.ts). null is
 *   accepted (the field keeps its default);
 * - a negative MTU, the flag's (the last) or the file's: moby daemon/config Validate, "invalid
 *   default MTU: -1". 0 is dockerd's default (1500) and accepted;
 * - a positive one outside 68..65535, which no bridge takes (net/mtu-limits.ts isContainerMtu: the kernel's
 *   ETH_MIN_MTU..ETH_MAX_MTU for a bridge and veth): dockerd's netlink MTU set fails with EINVAL
 *   when it sets up its bridge, and it exits (`--mtu=70000`, `"mtu": 65536`, `--mtu=40`).
 */
export function refusedMtu({ flags, daemonJson }: Pick<DockerdSettings, 'flags' | 'daemonJson'>): string | null {
  const uses = flags.filter((f) => f.name === 'mtu')
  const unreadable = refusedFlagValue(uses)
  if (unreadable) return unreadable
  const file = daemonJson?.mtu
  const inFile = `daemon.json "mtu": ${JSON.stringify(file)}`
  if (file !== undefined && file !== null) {
    if (typeof file !== 'number') return `${inFile} is ${Array.isArray(file) ? 'an array' : `a ${typeof file}`}, not a number: dockerd refuses the file (Go's encoding/json will not read it into its int "mtu")`
    const int = goIntProblem(file)
    const refused = `dockerd refuses the file (Go's encoding/json will not read it into its int "mtu")`
    if (int) return 'ranged' in int ? `daemon.json "mtu" ${int.ranged}: ${refused}` : `${inFile} ${int.fraction}: ${refused}`
  }
  const last = uses.length ? uses[uses.length - 1] : null
  const value = last ? goParseInt(last.value) : typeof file === 'number' ? file : null
  const source = last ? `your ${last.text}` : inFile
  if (value === null || value === 0) return null
  // moby daemon/config/config.go Validate: `if config.MTU < 0 { "invalid default MTU: %d" }`.
  if (value < 0) return `${source} is negative: dockerd refuses to start ("invalid default MTU: ${value}")`
  return isContainerMtu(value) ? null : `${source} is not a usable MTU (${LINK_MTU_MIN}..${CONTAINER_MTU_MAX} bytes): dockerd fails to set it on the bridge and does not start`
}

/**
 * Why dockerd refuses the download and upload counts it is given, or null: moby daemon/config
 * Validate, run on the flags and daemon.json merged (20.10 to 28, checked with each engine's
 * config check: test/dockerd/config-values-oracle.test.ts), refuses a negative
 * max-concurrent-downloads, max-concurrent-uploads or max-download-attempts ("invalid max
 * concurrent downloads: -1"), and 20.10 a max-download-attempts of 0 too (its
 * ValidateMaxDownloadAttempts: `<= 0`; 23.0 made it `< 0`): refused for an engine known
 * (`engineVersion`) to be older than 23. The last use of the flag counts, else the file's
 * integer; a value that is no integer is refusedFlagValue's (flags.ts) or refusedConfigValue's
 * (config-keys.ts).
 */
export function refusedCount({ flags, daemonJson }: Pick<DockerdSettings, 'flags' | 'daemonJson'>, engineVersion: string | null | undefined): string | null {
  const v = parseEngineVersion(engineVersion)
  for (const [key, words] of COUNTS) {
    const flag = lastFlagValue(flags, key)
    const file = daemonJson?.[key]
    const value = flag ? goParseInt(flag.value) : Number.isInteger(file) ? file as number : null
    const least = key === 'max-download-attempts' && v && v[0] < 23 ? 1 : 0
    if (value === null || value >= least) continue
    const source = flag ? `your ${flag.text}` : `daemon.json "${key}": ${file}`
    return `${source} is ${value < 0 ? 'negative' : 'not positive'}: dockerd${least ? ` ${engineVersion}` : ''} refuses to start ("invalid ${words}: ${value}")`
  }
  return null
}

/** The counts moby's Validate keeps from going negative, and its words for each. */
const COUNTS = [['max-concurrent-downloads', 'max concurrent downloads'], ['max-concurrent-uploads', 'max concurrent uploads'], ['max-download-attempts', 'max download attempts']] as const

/**
 * Why dockerd refuses the bridge or log settings it is given, or null; the first of:
 * - a bridge (-b/--bridge, "bridge") next to an address for it (--bip or --bip6, flag or file),
 *   both non-empty: moby daemon verifyDaemonSettings, "You specified -b & --bip, mutually
 *   exclusive options" (20.10 to 28; --bip6 from 28);
 * - a log level (-l/--log-level, "log-level") that is not one of trace, debug, info, warn, error,
 *   fatal, panic in any case: 26 and 28 say "invalid logging level: x" (daemon/config Validate,
 *   checked with --validate), 20.10 "unable to parse logging level" (logrus.ParseLevel). "warning"
 *   counts only for an engine known to be 26 or later (`engineVersion`): logrus takes it, 26 does not;
 * - a log format, default cgroup namespace mode or default IPC mode outside its set (MODES; exact
 *   case, no blanks): moby daemon/config Validate, merged flags and file (`--log-format=xml`,
 *   `"default-ipc-mode": "host"`);
 * - a --bip / "bip" Go's net.ParseCIDR refuses (prefix.ts isGoCidr: `--bip=10.1.0.1`, `--bip=x`):
 *   moby daemon initBridgeDriver parses it when it sets up the default bridge and stops on the error;
 * - for an engine known to be 26 or later, a --fixed-cidr-v6 / "fixed-cidr-v6" that is no prefix,
 *   no IPv6 one (`bogus`, `10.0.0.0/24`, the IPv4-mapped `::ffff:10.2.4.0/24`) or one that
 *   clashes with fe80::/64 without being it: 26 refuses one whose address lies in it (`fe80::/63`,
 *   `fe80::/10`, `fe80::/128`), 28 any that overlaps it (`::/0`, `8000::/1` too): daemon/config
 *   Validate, ValidateFixedCIDRV6 ("invalid fixed-cidr-v6"; each checked with --validate on
 *   26.1.5 and 28.5.2, with or without --ipv6); 28's multicast refusal is not measured here, and
 *   20.10 has no config check (what its bridge set-up makes of it was not measured), so neither
 *   is refused.
 * Empty values are dockerd's defaults and pass.
 */
export function refusedSetting({ flags, daemonJson }: Pick<DockerdSettings, 'flags' | 'daemonJson'>, engineVersion: string | null | undefined): string | null {
  const given = (key: string) => {
    const flag = lastFlagValue(flags, key)
    if (flag) return flag.value === '' ? null : { value: flag.value, text: `your ${flag.text}` }
    const v = daemonJson?.[key]
    return typeof v === 'string' && v !== '' ? { value: v, text: `daemon.json "${key}": ${JSON.stringify(v)}` } : null
  }
  const bridge = given('bridge')
  for (const key of ['bip', 'bip6']) {
    const address = given(key)
    if (bridge && address) return `${bridge.text} and ${address.text} together: dockerd refuses to start ("You specified -b & --${key}, mutually exclusive options")`
  }
  const level = given('log-level')
  const v = parseEngineVersion(engineVersion)
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic', ...(v && v[0] >= 26 ? [] : ['warning'])]
  if (level && !levels.includes(level.value.toLowerCase())) return `${level.text} is not a log level dockerd knows (${levels.slice(0, 7).join(', ')}): dockerd refuses to start ("invalid logging level: ${level.value}")`
  for (const [key, allowed, words] of MODES) {
    const mode = given(key)
    if (mode && !allowed.includes(mode.value)) return `${mode.text} is not one of ${allowed.map((m) => JSON.stringify(m)).join(', ')}: dockerd refuses to start (${words(mode.value)})`
  }
  const bip = given('bip')
  if (bip && !isGoCidr(bip.value)) return `${bip.text} is not an address with its prefix length (10.1.0.1/24): dockerd refuses to start (Go's net.ParseCIDR fails on it)`
  const v6 = given('fixed-cidr-v6')
  if (v6 && v && v[0] >= 26) {
    if (!isGoCidr(v6.value)) return `${v6.text} is not a prefix (fd00:1::/64): dockerd ${engineVersion} refuses to start ("invalid fixed-cidr-v6")`
    const address = addressToBigInt(v6.value.slice(0, v6.value.indexOf('/')))
    // Go's net.ParseCIDR gives an IPv4-mapped address (::ffff:a.b.c.d) as IPv4: To4() != nil.
    if (address.family === 4 || address.value >> 32n === 0xffffn) return `${v6.text} is not an IPv6 prefix: dockerd ${engineVersion} refuses to start ("fixed-cidr-v6 is not an IPv6 subnet")`
    // 26 refuses a prefix whose address lies in fe80::/64, 28 any that overlaps it; fe80::/64 itself is taken.
    const prefix = parsePrefix(v6.value)
    const clash = v[0] >= 28 ? prefixesOverlap(prefix, LINK_LOCAL_64) : prefixContains(LINK_LOCAL_64, formatAddress(6, prefix.network))
    if (clash && prefix.length !== 64) {
      return `${v6.text} clashes with fe80::/64, the link-local prefix: dockerd ${engineVersion} refuses to start ("clash with the Link-Local prefix 'fe80::/64'")`
    }
  }
  return null
}

/**
 * The settings moby's daemon/config Validate holds to a set, with the values it takes and its
 * words (26.1's), checked with each engine's config check (test/dockerd/config-values-oracle.test.ts):
 * "log-format" text or json (26 and later: ValidateLogFormat; 20.10 has no such flag or key and
 * refuses it whatever its value); "default-cgroupns-mode" host or private (validatePlatformConfig,
 * verifyDefaultCgroupNsMode, 20.10 to 28); "default-ipc-mode" private or shareable (verifyDefaultIpcMode,
 * 20.10 to 28: "host", "none" and "container:…" are valid IPC modes, yet no daemon default).
 */
const MODES: [string, string[], (v: string) => string][] = [
  ['log-format', ['text', 'json'], (v) => `invalid log format: ${v}`],
  ['default-cgroupns-mode', ['host', 'private'], (v) => `default cgroup namespace mode (${v}) is invalid; use "host" or "private"`],
  ['default-ipc-mode', ['private', 'shareable'], (v) => ['host', 'none'].includes(v) || v.startsWith('container:')
    ? `IPC mode ${JSON.stringify(v)} is not supported as default value; use "shareable" or "private"`
    : `default IPC mode setting (${v}) is invalid; use "shareable" or "private"`],
]

/**
 * An MTU as a user wrote it (flag text, or a daemon.json number or numeric string) as an
 * integer number of bytes; null when it is not an integer at all (range checks are the caller's).
 */
export function mtuValue(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN
  return Number.isInteger(n) ? n : null
}

function flagMtu(flags: FlagUse[]): ExplicitMtu | null {
  const flag = lastFlagValue(flags, 'mtu')
  // pflag reads --mtu with strconv.ParseInt(s, 0, 64): 0x578 is 1400, 01400 is octal 768.
  return flag ? { value: goParseInt(flag.value), raw: flag.value, source: `your ${flag.text}`, flag: flag.text } : null
}

function fileMtu(daemonJson: DaemonJson | null): ExplicitMtu | null {
  if (!daemonJson || daemonJson.mtu === undefined) return null
  return { value: mtuValue(daemonJson.mtu), raw: String(daemonJson.mtu), source: `daemon.json "mtu": ${JSON.stringify(daemonJson.mtu)}`, flag: null }
}

function networkMtu(flags: FlagUse[], dj: DaemonJson): DockerdSettings['networkMtu'] {
  const already = flags.find((f) => f.name === 'default-network-opt' && f.value.includes(`${BRIDGE_MTU_OPTION}=`))
  if (already) return { source: 'argv', text: already.text }
  const fromFile = (dj['default-network-opts'] as Record<string, Record<string, unknown>> | undefined)?.bridge?.[BRIDGE_MTU_OPTION]
  return fromFile === undefined ? null : { source: 'daemon.json', value: fromFile }
}

function textOf(v: unknown): Text {
  return v === undefined || v === null ? null : String(v)
}
