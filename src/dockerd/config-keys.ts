/**
 * Which daemon.json key each dockerd flag sets, and the flags that clash with the file: dockerd
 * refuses to start when a setting is given both ways, so we never pass such a flag and warn when
 * the user did.
 */
import type { DaemonJson } from './config-file.js'
import { supportsDefaultNetworkOpt } from './engine-features.js'
import { BOOLEAN_FLAGS, type FlagUse, INT_FLAGS, isDockerdFlag } from './flags.js'

/**
 * Flags whose daemon.json key differs from the flag name (moby's opts.NamedOption: the config
 * name of list and map options, e.g. `--host` is "hosts"). Other flags use their long name.
 * Source: moby cmd/dockerd/config*.go, daemon/config.findConfigurationConflicts.
 */
export const CONFIG_KEY_OF_FLAG: Record<string, string> = {
  'host': 'hosts',
  'label': 'labels',
  'dns-opt': 'dns-opts',
  'exec-opt': 'exec-opts',
  'storage-opt': 'storage-opts',
  'log-opt': 'log-opts',
  'authorization-plugin': 'authorization-plugins',
  'insecure-registry': 'insecure-registries',
  'registry-mirror': 'registry-mirrors',
  'default-ulimit': 'default-ulimits',
  'add-runtime': 'runtimes',
  'node-generic-resource': 'node-generic-resources',
  'default-address-pool': 'default-address-pools',
  'default-network-opt': 'default-network-opts',
  'cdi-spec-dir': 'cdi-spec-dirs',
  'feature': 'features',
  'cluster-store-opt': 'cluster-store-opts',
}

/** The daemon.json key that `flag` (long name) corresponds to. */
export function configKeyOf(flag: string): string {
  return CONFIG_KEY_OF_FLAG[flag] ?? flag
}

/**
 * Flags that set a key daemon.json also sets, the first flag per key, in argv order, each with
 * the file's value: dockerd refuses to start on any (moby daemon/config.findConfigurationConflicts:
 * "the following directives are specified both as a flag and in the configuration file"). The
 * keys are those dockerd compares, an object not read whole flattened first (configValuesSet:
 * `"proxies": {"http-proxy": …}` clashes with --http-proxy). --config-file is exempt (it names
 * the file).
 */
export function configConflicts(flags: FlagUse[], daemonJson: DaemonJson | null): { key: string, flag: FlagUse, value: unknown }[] {
  const set = configValuesSet(daemonJson)
  const seen = new Set<string>()
  const out: { key: string, flag: FlagUse, value: unknown }[] = []
  for (const f of flags) {
    const key = configKeyOf(f.name)
    if (set.has(key) && !seen.has(key) && key !== 'config-file') {
      seen.add(key)
      out.push({ key, flag: f, value: set.get(key) })
    }
  }
  return out
}

/**
 * The settings of `daemonJson` as dockerd compares them with its flags, key to value: each
 * top-level key, except an object not read whole (FLAT_OPTIONS), whose own keys stand in its
 * place, the last one winning (moby daemon/config configValuesSet, 20.10 to 28). Empty for no
 * file. A planned flag whose key is here must not be passed: dockerd would refuse the pair.
 */
export function configValuesSet(daemonJson: DaemonJson | null): Map<string, unknown> {
  const set = new Map<string, unknown>()
  for (const [key, value] of Object.entries(daemonJson ?? {})) {
    if (isFlattened(key, value)) for (const [k, v] of Object.entries(value as Record<string, unknown>)) set.set(k, v)
    else set.set(key, value)
  }
  return set
}

/**
 * The top-level key of `daemonJson` whose object holds `key` as dockerd compares it (flattened,
 * configValuesSet), or null: `"proxies": {"bridge": …}` for "bridge". Go's encoding/json reads
 * no setting from it, yet a flag of that name clashes with it.
 */
export function flattenedHolder(daemonJson: DaemonJson | null, key: string): string | null {
  for (const [k, v] of Object.entries(daemonJson ?? {})) if (isFlattened(k, v) && Object.hasOwn(v as object, key)) return k
  return null
}

const isFlattened = (key: string, value: unknown) => value !== null && typeof value === 'object' && !Array.isArray(value) && !FLAT_OPTIONS.has(key)

/**
 * Keys dockerd's unknown-key check lets pass that are neither a flag nor a flag's config name:
 * moby daemon/config skipValidateOptions (20.10 to 28: "features", "builder",
 * "deprecated-key-path"; 28: "allow-nondistributable-artifacts", a flag too) and the config
 * name of --host-gateway-ip (28: "host-gateway-ips"; its old name is the flag's).
 */
const FILE_ONLY_KEYS = new Set(['builder', 'features', 'deprecated-key-path', 'host-gateway-ips'])

/**
 * Object-valued keys dockerd reads whole; any other object is flattened first, its own keys
 * checked in its place ("proxies": {"http-proxy": …} checks "http-proxy"). moby daemon/config
 * flatOptions and configValuesSet, 20.10 to 28 ("default-network-opts" from 26).
 */
const FLAT_OPTIONS = new Set(['cluster-store-opts', 'default-network-opts', 'log-opts', 'runtimes', 'default-ulimits', 'features', 'builder'])

const KNOWN_CONFIG_NAMES = new Set(Object.values(CONFIG_KEY_OF_FLAG))

/**
 * The keys of `daemonJson` that no dockerd knows, in file order, as dockerd checks them: a
 * top-level object not read whole (FLAT_OPTIONS) is flattened one level, its keys checked
 * instead. dockerd refuses to start on any (moby daemon/config.findConfigurationConflicts, 20.10
 * to 28: "the following directives don't match any configuration option: x"). A key is known
 * when it is a long flag name of some engine (flags.ts, a union), a flag's config name
 * (CONFIG_KEY_OF_FLAG: moby's opts.NamedOption names), or a file-only key (FILE_ONLY_KEYS).
 */
export function unknownConfigKeys(daemonJson: DaemonJson | null): string[] {
  return checkedConfigKeys(daemonJson).filter((key) => !isDockerdFlag(key) && !KNOWN_CONFIG_NAMES.has(key) && !FILE_ONLY_KEYS.has(key))
}

/**
 * The keys of `daemonJson` that dockerd's unknown-key check looks at, in file order: each
 * top-level key, except an object not read whole (FLAT_OPTIONS), whose own keys stand in its
 * place (moby daemon/config configValuesSet). [] for no file.
 */
export function checkedConfigKeys(daemonJson: DaemonJson | null): string[] {
  if (!daemonJson) return []
  return Object.entries(daemonJson).flatMap(([key, value]) => isFlattened(key, value) ? Object.keys(value as object) : [key])
}

/** A JSON value's kind as Go's encoding/json sees it: what a Config field of some Go type takes. */
type JsonKind = 'boolean' | 'integer' | 'string' | 'array' | 'object'

/**
 * What Go's encoding/json reads into a Config field: its kind; for a list (`[]string`) the shape
 * of each element and for a map (`map[string]string`) that of each value (`each`); for a struct
 * the shapes of the fields we know (`fields`, by JSON name, matched in any ASCII case as Go's
 * encoding/json does for a field without its exact name). `noNull`: a null is refused too (the
 * field's own UnmarshalJSON takes only a JSON string). `when`: the engines whose Config has
 * the field, judged from the engine version (an older one ignores what the file holds there);
 * unknown version: not checked.
 */
interface Shape { kind: JsonKind, each?: Shape, fields?: Record<string, Shape>, when?: (version: string | null | undefined) => boolean | null, noNull?: true }

const STRING: Shape = { kind: 'string' }
const STRINGS: Shape = { kind: 'array', each: STRING }
const BOOLEAN: Shape = { kind: 'boolean' }

/**
 * daemon.json "builder" as moby daemon/config builder.go BuilderConfig reads it, the fields every
 * engine has (20.10 to 28; no JSON names but Entitlements', so Go matches the field names in any
 * case): GC {Enabled bool (*bool in 28), DefaultKeepStorage string, Policy a list}, Entitlements
 * {network-host, security-insecure *bool}.
 */
const BUILDER: Record<string, Shape> = {
  gc: { kind: 'object', fields: { enabled: BOOLEAN, defaultkeepstorage: STRING, policy: { kind: 'array' } } },
  entitlements: { kind: 'object', fields: { 'network-host': BOOLEAN, 'security-insecure': BOOLEAN } },
}

/**
 * The shape of each daemon.json key whose Go type we are sure of (moby daemon/config Config and
 * CommonConfig, 20.10 to 28): the boolean flags (bool or *bool; not help, version, validate,
 * restart and disable-legacy-registry: no Config field, so Go ignores them), the integer flags
 * (int, *int, int64; "mtu" is refusedMtu's, settings.ts), the lists of strings ([]string, and
 * "dns": []net.IP from 26, read from JSON strings), "default-address-pools" (a list), the maps:
 * "log-opts" map[string]string, "features" map[string]bool, "runtimes" and "default-ulimits"
 * (map of a struct), "default-network-opts" map[string]map[string]string (a field from 24:
 * engine-features.ts supportsDefaultNetworkOpt; 20.10 ignores its values, flattening it for the
 * unknown-key check), "builder" (a struct: BUILDER), "default-shm-size" (opts.MemBytes, whose
 * UnmarshalJSON takes a JSON string only, null and numbers refused: `invalid size: "64"`; its text is
 * flag-values.ts refusedConfigListValue's), "proxies" (a struct of strings, 23 and later; 20.10
 * refuses its keys as unknown), and the strings (string, or net.IP, read from a JSON string).
 * Each checked with a daemon.json holding a value of another kind and the engines' config check
 * (test/dockerd/config-values-oracle.test.ts): "json: cannot unmarshal string into Go struct field
 * Config.debug of type bool", "…number into Go struct field Config.log-opts of type string". A
 * JSON null, anywhere but "default-shm-size", is accepted (encoding/json leaves the field or element
 * as it was). Keys left out (the cluster-* ones) are not checked.
 */
const SHAPE_OF_KEY: ReadonlyMap<string, Shape> = new Map<string, Shape>([
  ...[...BOOLEAN_FLAGS].filter((f) => !['help', 'version', 'validate', 'restart', 'disable-legacy-registry'].includes(f)).map((k) => [k, { kind: 'boolean' }] as const),
  ...[...INT_FLAGS].filter((f) => f !== 'mtu').map((k) => [k, { kind: 'integer' }] as const),
  ...['hosts', 'labels', 'dns', 'dns-search', 'dns-opts', 'exec-opts', 'storage-opts', 'authorization-plugins', 'insecure-registries',
    'registry-mirrors', 'node-generic-resources', 'cdi-spec-dirs'].map((k) => [k, STRINGS] as const),
  ['default-address-pools', { kind: 'array' }],
  ['log-opts', { kind: 'object', each: STRING }],
  ['features', { kind: 'object', each: { kind: 'boolean' } }],
  ...['runtimes', 'default-ulimits'].map((k) => [k, { kind: 'object', each: { kind: 'object' } }] as const),
  ['default-network-opts', { kind: 'object', each: { kind: 'object', each: STRING, when: supportsDefaultNetworkOpt } }],
  ['builder', { kind: 'object', fields: BUILDER }],
  ['default-shm-size', { kind: 'string', noNull: true }],
  ['proxies', { kind: 'object', fields: { 'http-proxy': STRING, 'https-proxy': STRING, 'no-proxy': STRING } }],
  ...['bip', 'bip6', 'bridge', 'fixed-cidr', 'fixed-cidr-v6', 'ip', 'default-gateway', 'default-gateway-v6', 'host-gateway-ip', 'log-level',
    'log-driver', 'log-format', 'data-root', 'exec-root', 'pidfile', 'group', 'storage-driver', 'default-runtime', 'containerd', 'userns-remap',
    'cgroup-parent', 'seccomp-profile', 'swarm-default-advertise-addr', 'tlscacert', 'tlscert', 'tlskey'].map((k) => [k, STRING] as const),
])

/**
 * Why dockerd refuses `daemonJson` for a value Go's encoding/json will not put into its field, as
 * one sentence naming the first such value by its path, or null: a boolean key with a non-boolean
 * (`"debug": "yes"`), an integer key with a non-integer (a string, 1.5, beyond int64), a string
 * key with a non-string (`"bip": 123`), a list key with a non-array (`"labels": "x"`) or a list of
 * strings with another element (`"dns-opts": [1]`), a map key with a non-object (`"log-opts": "x"`)
 * or a value of the wrong kind (`"log-opts": {"max-size": 5}`, `"features": {"x": "yes"}`), and
 * `"default-network-opts": {"bridge": {"com.docker.network.driver.mtu": 1400}}` for an engine
 * known (`engineVersion`) to have that field. null is accepted anywhere. Only keys of
 * SHAPE_OF_KEY are checked, in file order, each depth first.
 */
export function refusedConfigValue(daemonJson: DaemonJson | null, engineVersion?: string | null): string | null {
  for (const [key, value] of Object.entries(daemonJson ?? {})) {
    const shape = SHAPE_OF_KEY.get(key)
    const why = shape ? misfit(JSON.stringify(key), value, shape, engineVersion) : null
    if (why) return why
  }
  return null
}

/** The shape of struct field `key` of `fields`, matched in any ASCII case (Go's encoding/json), or undefined. */
function fieldShape(fields: Record<string, Shape> | undefined, key: string): Shape | undefined {
  const k = key.replace(/[A-Z]/g, (c) => c.toLowerCase())
  return fields && Object.hasOwn(fields, k) ? fields[k] : undefined
}

/**
 * Why Go's encoding/json will not read the JSON number `n` into a Go int (64 bits on the engines'
 * platforms), as the end of a sentence, or null: a fraction, or a number past ±2^63 (json
 * UnmarshalTypeError "cannot unmarshal number … into Go struct field … of type int"). Past that
 * range JSON.parse has rounded the number (1e20, Infinity), so `ranged` says so without it.
 */
export function goIntProblem(n: number): { fraction: string } | { ranged: string } | null {
  if (!Number.isFinite(n) || Math.abs(n) >= 2 ** 63) return { ranged: "is past the range of Go's int (64 bits)" }
  return Number.isInteger(n) ? null : { fraction: 'is not an integer' }
}

/** Why `value` (at `path`, e.g. `"log-opts"."max-size"`) does not fit `shape`, or null. */
function misfit(path: string, value: unknown, shape: Shape, engineVersion: string | null | undefined): string | null {
  if ((value === null && !shape.noNull) || (shape.when && !shape.when(engineVersion))) return null
  const want = shape.kind
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value
  const int = want === 'integer' && kind === 'number' ? goIntProblem(value as number) : null
  if (int || (kind !== want && !(want === 'integer' && kind === 'number'))) {
    const a = (word: string) => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`
    const refused = `dockerd refuses the file (Go's encoding/json will not read it into its ${want} ${path})`
    if (int && 'ranged' in int) return `daemon.json ${path} ${int.ranged}: ${refused}`
    return `daemon.json ${path}: ${JSON.stringify(value)} ${int ? int.fraction : `is ${a(kind)}, not ${a(want)}`}: ${refused}`
  }
  const inner: [string, unknown, Shape | undefined][] = Array.isArray(value)
    ? value.map((v, i) => [`${path}[${i}]`, v, shape.each])
    : kind === 'object'
      ? Object.entries(value as Record<string, unknown>).map(([k, v]) => [`${path}.${JSON.stringify(k)}`, v, shape.each ?? fieldShape(shape.fields, k)])
      : []
  for (const [p, v, s] of inner) {
    const why = s ? misfit(p, v, s, engineVersion) : null
    if (why) return why
  }
  return null
}
