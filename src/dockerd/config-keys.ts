/**
 * Which daemon.json key each dockerd flag sets, and the flags that clash with the file: dockerd
 * refuses to start when a setting is given both ways, so we never pass such a flag and warn when
 * the user did.
 */
import type { DaemonJson } from './config-file.js'
import { type FlagUse, isDockerdFlag } from './flags.js'

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
 * Flags that set a key daemon.json also sets, the first flag per key, in argv order: dockerd
 * refuses to start on any (moby daemon/config.findConfigurationConflicts: "the following
 * directives are specified both as a flag and in the configuration file"). --config-file is
 * exempt (it names the file).
 */
export function configConflicts(flags: FlagUse[], daemonJson: DaemonJson | null): { key: string, flag: FlagUse }[] {
  if (!daemonJson) return []
  const seen = new Set<string>()
  const out: { key: string, flag: FlagUse }[] = []
  for (const f of flags) {
    const key = configKeyOf(f.name)
    if (key in daemonJson && !seen.has(key) && key !== 'config-file') {
      seen.add(key)
      out.push({ key, flag: f })
    }
  }
  return out
}

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
  return Object.entries(daemonJson).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) && !FLAT_OPTIONS.has(key) ? Object.keys(value) : [key])
}
