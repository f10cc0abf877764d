/**
 * Whether dockerd can start on what it is given, decided once for the start path, the dry run
 * and `plan`, so that what a dry run or `plan` prints is what a start does (contract point 4,
 * invocation.ts): when dockerd will refuse its argv or its daemon.json, we step aside. Nothing
 * is applied or appended, and dockerd gets the user's words exactly and refuses in its own words.
 *
 * On the start-up path: imports only the flag, flag-value, config-key, engine-flag and entrypoint
 * tables and the settings reader.
 */
import { configConflicts, refusedConfigValue, unknownConfigKeys } from '../dockerd/config-keys.js'
import { DIND_ENTRYPOINT, entrypointFlags } from '../dockerd/entrypoint-flags.js'
import { flagMissingFromEngine } from '../dockerd/engine-flags.js'
import { refusedConfigListValue, refusedListValue, refusedMergedValue } from '../dockerd/flag-values.js'
import { parseDockerdFlags, positionalArgs, refusedFlagValue, unknownFlag, valuelessFlag } from '../dockerd/flags.js'
import { refusedCount, refusedMtu, refusedSetting } from '../dockerd/settings.js'
import type { MachineState, Plan } from '../model.js'

/**
 * Why dockerd will refuse `argv` as given, or null: a positional word (its cobra command is
 * `Args: cli.NoArgs`), or a value flag left without its value where planned flags would go
 * (`--log-level`: pflag "flag needs an argument", and an appended flag would become its value).
 */
export function refusedArgv(argv: readonly string[]): string | null {
  const words = positionalArgs(argv)
  if (words.length) return `dockerd takes no arguments and will refuse ${words.map((w) => JSON.stringify(w)).join(' ')}`
  const flag = valuelessFlag(argv)
  return flag ? `${flag} needs a value and has none: dockerd will refuse your arguments as given (a flag appended after it would become its value)` : null
}

/**
 * Why dockerd will refuse to start on the machine `state` describes, or null, judged on the argv
 * it gets: `added` (the flags dockerd-entrypoint.sh puts before the user's, entrypointFlags;
 * a clash with one of them is named as the script's) then `state.argv`. The first of:
 * 1. its argv (refusedArgv);
 * 2. a flag no dockerd has (flags.ts unknownFlag: pflag "unknown flag: --foo"), or a value pflag
 *    refuses for a boolean or integer flag (flags.ts refusedFlagValue: `--debug=yes`, `--mtu=abc`),
 *    or one moby's validator refuses for a list or option flag (flag-values.ts refusedListValue:
 *    `--label=foo`, `--dns=1.2.3`, `-H bogus://x`, `--default-shm-size=abc`, `--host-gateway-ip=bogus`);
 * 3. a daemon.json it cannot read or parse (the reader's `daemon.json:` line); one we did not
 *    read whole (too large, not a regular file, nested deeper than we read, not valid UTF-8 or
 *    UTF-16: dockerd 26 and later refuse that too) counts: its keys are unknown, and any flag of
 *    ours could clash with them;
 * 4. a daemon.json key no dockerd knows (config-keys.ts unknownConfigKeys: "the following
 *    directives don't match any configuration option"); then a flag or key the engine version
 *    known lacks (engine-flags.ts flagMissingFromEngine);
 * 5. a daemon.json value Go's encoding/json will not read into its field (config-keys.ts
 *    refusedConfigValue: `"debug": "yes"`, `"bip": 123`, `"labels": "x"`, `"log-opts": {"max-size": 5}`,
 *    `"builder": {"gc": {"enabled": "x"}}`, `"default-shm-size": 64`), or one dockerd refuses
 *    as it would the flag's (flag-values.ts refusedConfigListValue: `"labels": ["foo"]`,
 *    `"dns": ["1.2.3"]`, `"hosts": ["bogus://x"]`, `"registry-mirrors": ["mirror.gcr.io"]`, `"ip": "x"`, `"default-shm-size": "abc"`);
 * 6. a setting given both in daemon.json and as a flag (moby daemon/config.findConfigurationConflicts:
 *    "the following directives are specified both as a flag and in the configuration file");
 * 7. labels giving one key two values, or generic resources dockerd cannot parse, flags' or file's
 *    (flag-values.ts refusedMergedValue: `--label a=b --label a=c`, `"node-generic-resources": ["bogus"]`);
 * 8. an MTU dockerd refuses (settings.ts refusedMtu: `"mtu": "1400"`, `--mtu=-1`, `--mtu=70000`);
 * 9. a negative download or upload count (settings.ts refusedCount: `--max-concurrent-downloads=-1`,
 *    `"max-download-attempts": -1`);
 * 10. a bridge or log setting dockerd refuses (settings.ts refusedSetting: `-b br0 --bip=…`,
 *    `--log-level=verbose`, `--log-format=xml`, `"default-ipc-mode": "bogus"`, `--bip=10.1.0.1` without its prefix length).
 */
export function refusedStart(state: MachineState, added: readonly string[] = []): string | null {
  const argv = [...added, ...(state.argv ?? [])]
  const words = refusedArgv(argv)
  if (words) return words
  const flag = unknownFlag(argv)
  if (flag) return `dockerd has no such flag and will refuse your arguments (${flag})`
  const flags = parseDockerdFlags(argv)
  const value = refusedFlagValue(flags) ?? refusedListValue(flags)
  if (value) return value
  const file = (state.read_errors ?? []).find((e) => e.startsWith('daemon.json:'))
  if (file) return `${file}; ${/too large|(FIFO|device|socket), not a regular file|nested deeper|not valid UTF/.test(file) ? 'its keys were not read, and any flag of ours could clash with them' : 'dockerd refuses to start on it'}`
  const daemonJson = state.daemon_json ?? null
  const unknown = unknownConfigKeys(daemonJson)
  if (unknown.length) return `daemon.json has ${unknown.map((k) => JSON.stringify(k)).join(', ')}, which no dockerd knows: dockerd refuses to start on it ("the following directives don't match any configuration option")`
  const lacking = flagMissingFromEngine(flags, daemonJson, state.dockerd_version)
  if (lacking) return lacking
  const typed = refusedConfigValue(daemonJson, state.dockerd_version) ?? refusedConfigListValue(daemonJson)
  if (typed) return typed
  const [clash] = configConflicts(flags, daemonJson)
  if (clash) {
    const by = clash.flag.index < added.length ? `, which ${DIND_ENTRYPOINT} gives dockerd whenever it starts it with your flags or none` : ''
    return `"${clash.key}" is set both in daemon.json and as a flag (${clash.flag.text}${by}); dockerd refuses to start on it`
  }
  return refusedMergedValue(flags, daemonJson) ?? refusedMtu({ flags, daemonJson }) ?? refusedCount({ flags, daemonJson }, state.dockerd_version) ?? refusedSetting({ flags, daemonJson }, state.dockerd_version)
}

/**
 * `plan` as a start carries it out on the machine `state` describes, for dockerd's `argv` given
 * to `start.program` after `start.leadArgs`: as planned, or stepped aside (steppedAside) when
 * dockerd will refuse to start (refusedStart) on the argv it gets, the flags the dind entrypoint
 * adds included (entrypointFlags, from the environment and uid `state` records).
 */
export function asStarted(plan: Plan, state: MachineState, argv: readonly string[], start: { program: string | null, leadArgs: readonly string[] }): Plan {
  const refused = refusedStart(state, entrypointFlags(start.program, start.leadArgs, state.env ?? {}, state.euid)) ?? lossyName(state.argv ?? [])
  return refused ? steppedAside(plan, argv, `${refused}: nothing applied or appended`) : plan
}

/**
 * Why the machine cannot be judged for dockerd's `argv`, or null: a bridge (`-b`/`--bridge`) or a
 * config file (`--config-file`) named with U+FFFD, which Node puts where an argument's bytes are
 * not UTF-8 (raw-argv.ts). dockerd gets the bytes back, and the link or file they name is not
 * the one we would look up by Node's string (trial 6: another bridge's MAC pinned, another
 * daemon.json read). A real U+FFFD in such a name is stepped aside for too, which costs nothing
 * but the plan.
 */
export function lossyName(argv: readonly string[]): string | null {
  const use = parseDockerdFlags(argv).find((f) => (f.name === 'bridge' || f.name === 'config-file') && f.value.includes('\uFFFD'))
  if (!use) return null
  return `${use.text} names ${use.name === 'bridge' ? 'a bridge' : 'a file'} with U+FFFD, which Node reads for bytes that are not UTF-8, so the ${use.name === 'bridge' ? 'bridge' : 'daemon.json'} dockerd gets cannot be looked up`
}

/**
 * The plan a start carries out when it steps aside for `why` (a sentence, shown as the plan's
 * error): the user's `argv` exactly, no action, no reason for flags that are not passed; the
 * warnings (what was read wrong) and the egress found are kept. `mtu` is null: nothing is set.
 */
export function steppedAside(plan: Plan | null, argv: readonly string[], why: string): Plan {
  return { egress: plan?.egress ?? null, mtu: null, args: [...argv], warnings: plan?.warnings ?? [], reasons: [], error: why, actions: [] }
}
