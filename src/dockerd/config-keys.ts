/**
 * Which daemon.json key each dockerd flag sets, and the flags that clash with the file: dockerd
 * refuses to start when a setting is given both ways, so we never pass such a flag and warn when
 * the user did.
 */
import type { DaemonJson } from './config-file.js'
import type { FlagUse } from './flags.js'

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
