/**
 * Our own options: the `--autonet-*` flags and their `DOCKERD_AUTONET_*` variables, each read on
 * its own (one bad value spoils no other), look-alikes of them named with the closest option,
 * and the value readers. What the options mean for the start path is decided in invocation.ts.
 *
 * On the start-up path of every dockerd launch: imports nothing heavy.
 */
import { unknownFlag } from '../dockerd/flags.js'
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from '../model.js'
import { bridgeNameProblem, readBridge, readChoice, readHost, readMtu, readSwitch, readVersion } from './option-values.js'
import { UsageError } from './usage-error.js'

/** The process environment as Node gives it. */
export type Env = Record<string, string | undefined>

/** Our options, from `--autonet-*` flags over `DOCKERD_AUTONET_*` env over defaults. */
export interface AutonetOptions {
  /** Print the plan and the final command instead of exec'ing. */
  dryRun: boolean
  /** Program to exec in place of `dockerd` when the arguments are flags; null = `dockerd`. */
  exec: string | null
  /** Pass everything through untouched: no reading, no plan, no actions. */
  disable: boolean
  /** Log debug lines. */
  debug: boolean
  /** Probe the path MTU to this host and plan at most what gets through (--autonet-probe=HOST); null = no probe. */
  probe: string | null
  /** Engine version of the dockerd to exec, when known in advance (the image knows it): skips `dockerd --version`. */
  dockerdVersion: string | null
  /** After dockerd starts, delete UDP conntrack entries that bypass a new container's published ports (stays resident). */
  conntrackWatch: boolean
  /** Options that change the decision, handed to the planner as they are. */
  plan: PlanOptions
}


export function specOf(flag: string): OptionSpec | undefined {
  if (!flag.startsWith('--autonet-')) return undefined
  const eq = flag.indexOf('=')
  const name = flag.slice('--autonet-'.length, eq < 0 ? undefined : eq)
  return OPTIONS.find((s) => s.name === name)
}

/**
 * True for an argument meant for us: `--autonet-…`, or any flag whose name (before `=`) has
 * "autonet" in it, ignoring case, `-` and `_` (`--autonet_dry_run`, `-autonet-dry-run`,
 * `--Auto-Net-dry-run`), also one starting with a typographic dash (TYPOGRAPHIC_DASH: a word
 * processor's `—autonet-debug` for `--autonet-debug`). dockerd has no such flag and would
 * refuse it, so a look-alike is a mistake in our options: taken out of dockerd's argv, never
 * passed on. A word dockerd reads as flags of its own is dockerd's, whatever it holds: a
 * shorthand cluster with its value attached (`-Hunix:///run/autonet.sock`, `-Dlautonet`;
 * flags.ts unknownFlag, after pflag parseSingleShortArg). `-autonet-dry-run` is none (no
 * dockerd shorthand is `a`), so it stays ours.
 */
export function isOurs(arg: string): boolean {
  if (arg.startsWith('--autonet-')) return true
  if (!(arg.startsWith('-') || TYPOGRAPHIC_DASH.test(arg)) || !squash(arg.split('=')[0]).includes('autonet')) return false
  return !(arg.startsWith('-') && unknownFlag([arg]) === null)
}

/** A first character that a word processor puts for `-` or `--`: U+2010..U+2015 (hyphen to horizontal bar), U+2212 (minus). */
const TYPOGRAPHIC_DASH = /^[\u2010-\u2015\u2212]/

/** A name with case, `-` and `_` ignored: how look-alikes of our names are compared. */
export function squash(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '')
}

/**
 * The option an argument of ours (isOurs) is meant as: its own (`--autonet-debug=1`), or for a
 * look-alike the closest one to what follows "autonet" (`--auto-net_dry-run` -> dry-run), if
 * any is near.
 */
export function meantOption(flag: string): OptionSpec | undefined {
  return specOf(flag) ?? closestOption(squash(flag.split('=')[0]).replace(/^.*?autonet/, ''))
}

/**
 * The option a look-alike flag (`--autonet_dry_run`) or variable name is closest to, if any is
 * near: the one option it is the start of (at least half its name: `--autonet-dry`, a name cut
 * short), else the nearest by edit distance.
 */
export function closestOption(nameAfterAutonet: string): OptionSpec | undefined {
  const byName = new Map(OPTIONS.map((s) => [squash(s.name), s]))
  const word = squash(nameAfterAutonet)
  // Half the name at least: `--autonet-mtu` is no cut-short `mtu-scope`, `--autonet-dry` is `dry-run`.
  const starts = word.length >= 2 ? [...byName.keys()].filter((k) => k.startsWith(word) && word.length * 2 >= k.length) : []
  const near = starts.length === 1 ? starts[0] : closest(word, [...byName.keys()])
  return near === null ? undefined : byName.get(near)
}

/** One of our options: its flag, the env variable it defaults from, and how its value is read. */
export interface OptionSpec {
  /** Name after `--autonet-` (`max-mtu`). */
  name: string
  /** Placeholder of the value in help (`N`); absent for a switch (`--autonet-debug[=false]`). */
  value?: string
  describe: string
  /** Store a value given as `from` (the flag or the env variable, for messages). @throws UsageError */
  set(o: AutonetOptions, raw: string, from: string): void
}

/** Every option of ours, in the order `--help` lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  { name: 'dry-run', describe: 'print the plan, its reasons and the final command; do not exec',
    set: (o, raw, from) => { o.dryRun = readSwitch(raw, from) } },
  { name: 'exec', value: 'CMD', describe: 'program to exec instead of dockerd when the arguments are flags (not asked --version: give --autonet-dockerd-version)',
    set: (o, raw, from) => {
      // A word starting with `-` is a flag, never a program: our mistake must not become the program (point 3).
      if (raw === '' || raw.startsWith('-')) throw new UsageError(`invalid value for ${from}: "${raw}" (expected a program, e.g. /usr/local/bin/dockerd)`)
      o.exec = raw
    } },
  { name: 'max-mtu', value: 'N', describe: 'highest MTU in bytes we set on our own (jumbo frames are opt-in)',
    set: (o, raw, from) => { o.plan.maxMtu = readMtu(raw, from) } },
  { name: 'mtu-scope', value: 'default-route|all-routes',
    describe: 'fit the MTU to the default route\'s link, or to every link with a usable route',
    set: (o, raw, from) => { o.plan.mtuScope = readChoice(raw, from, ['default-route', 'all-routes'] as const) } },
  { name: 'no-bridge-mac', describe: 'do not pin the bridge\'s MAC address',
    set: (o, raw, from) => { o.plan.pinBridgeMac = !readSwitch(raw, from) } },
  { name: 'no-conntrack', describe: 'do not delete stale conntrack entries of old containers',
    set: (o, raw, from) => { o.plan.conntrackCleanup = !readSwitch(raw, from) } },
  { name: 'conntrack-watch', describe: 'while dockerd runs, delete UDP conntrack entries that bypass a newly started container\'s published ports (the wrapper stays resident)',
    set: (o, raw, from) => { o.conntrackWatch = readSwitch(raw, from) } },
  { name: 'no-clamp-mss', describe: 'do not clamp the TCP MSS of forwarded SYNs to the path MTU (what fits user-defined networks on engines < 24)',
    set: (o, raw, from) => { o.plan.clampMss = !readSwitch(raw, from) } },
  { name: 'bridge', value: 'NAME=CIDR', describe: 'create this bridge for a second daemon (br-ci=10.99.0.1/24; not docker0, the first daemon\'s) and pass --bridge=NAME, also when we step aside',
    set: (o, raw, from) => { o.plan.createBridge = readBridge(raw, from) } },
  { name: 'probe', value: 'HOST', describe: 'probe the path MTU to HOST with Don\'t-Fragment pings (iputils ping, at most 10 s) and plan at most what gets through; no answer = keep the egress MTU',
    set: (o, raw, from) => { o.probe = readHost(raw, from) } },
  { name: 'dockerd-version', value: 'V', describe: 'engine version of the dockerd to exec (e.g. 27.3.1), known in advance: skips the `dockerd --version` probe at start (the image sets it)',
    set: (o, raw, from) => { o.dockerdVersion = readVersion(raw, from) } },
  { name: 'disable', describe: 'pass everything through untouched: no detection, no changes (with --autonet-bridge, --bridge=NAME is still passed)',
    set: (o, raw, from) => { o.disable = readSwitch(raw, from) } },
  { name: 'debug', describe: 'log debug lines',
    set: (o, raw, from) => { o.debug = readSwitch(raw, from) } },
]

/** The environment variable that gives an option's default: `DOCKERD_AUTONET_MAX_MTU`. */
export function envName(spec: OptionSpec): string {
  return `DOCKERD_AUTONET_${spec.name.toUpperCase().replace(/-/g, '_')}`
}

/** Our options as read, each on its own: what was understood, what was not, and what to warn about. */
export interface OptionsRead {
  ours: AutonetOptions
  /** One message per option that did not parse, naming the flag or variable and its value. */
  errors: string[]
  /** Unknown DOCKERD_AUTONET_* variables (and look-alikes), each naming the closest option: a start steps aside on them. */
  warnings: string[]
  /** The bridge name --autonet-bridge (or a look-alike of it) asks for, read even from a bad value (`br-ci` without CIDR). */
  bridge: string | null
  /** Set when --autonet-bridge (or a look-alike) is given but names no bridge (none readable, or docker0): dockerd must not start (point 5). */
  bridgeError: string | null
}

/**
 * Our options from defaults, then the environment, then `flags` in order (the last one wins).
 * An empty env variable counts as unset, as in most shells' `${VAR:-default}`; values are
 * trimmed (a YAML block scalar leaves a trailing newline).
 * @throws UsageError naming the flag or variable and the bad value (the first one)
 */
export function readOptions(flags: readonly string[], env: Env): AutonetOptions {
  return strictOptions(flags, env).ours
}

export function strictOptions(flags: readonly string[], env: Env): OptionsRead {
  const read = readOptionsLenient(flags, env)
  if (read.errors.length) throw new UsageError(read.errors[0])
  return read
}

/**
 * Every option read on its own, so one bad value spoils none of the others: a dry run stays a
 * dry run next to a bad option, and a dry-run value that is not clearly false counts as true
 * (starting a program on an unreadable "dry run" is the one mistake that cannot be undone).
 */
export function readOptionsLenient(flags: readonly string[], env: Env): OptionsRead {
  const o = defaultOptions()
  const errors: string[] = []
  // Point 5: the last flag or variable asking for a bridge (ours or a look-alike) names it, or
  // says why it names none.
  let bridge: string | null = null
  let bridgeError: string | null = null
  const askBridge = (name: string | null, why: () => string) => {
    bridge = name
    bridgeError = name === null ? why() : null
  }
  const attempt = (spec: OptionSpec, raw: string, from: string) => {
    const value = raw.trim()
    try {
      spec.set(o, value, from)
    } catch (err) {
      if (!(err instanceof UsageError)) throw err
      errors.push(err.message)
      if (spec.name === 'dry-run') o.dryRun = true
    }
    if (spec.name === 'bridge') askBridge(bridgeNameOf(value), () => errors[errors.length - 1])
  }
  // Look-alike variables first: any real variable or flag beats them.
  const unknown = unknownVariables(env)
  for (const u of unknown) if (u.bridge !== undefined) askBridge(u.bridge, () => u.warning)
  const given = new Set(flags.map((f) => f.slice('--autonet-'.length).split('=')[0]))
  let lookalikeDryRun = false
  for (const spec of OPTIONS) {
    const raw = env[envName(spec)]
    // A flag beats the environment, so a variable it overrides is not even read.
    if (raw !== undefined && raw.trim() !== '' && !given.has(spec.name)) attempt(spec, raw, envName(spec))
  }
  for (const flag of flags) {
    const eq = flag.indexOf('=')
    const spec = specOf(flag)
    const from = flag.slice(0, eq < 0 ? undefined : eq)
    if (!spec) {
      const near = meantOption(from)?.name ?? null
      const value = eq < 0 ? undefined : flag.slice(eq + 1)
      // A misspelt dry run is still meant as one: nothing may start on it, whatever else says no.
      const dry = near === 'dry-run' && !isClearlyFalse(value ?? 'true')
      if (dry) lookalikeDryRun = true
      // A misspelt bridge still asks for one: a second daemon must not land on docker0 (point 5).
      const meant = near === 'bridge' ? lookalikeBridge(value) : null
      const message = `unknown option ${from} (${near ? `did you mean --autonet-${near}? ` : ''}see dockerd-autonet --help)${dry ? '; taken as a dry run' : ''}${meant?.text ?? ''}`
      errors.push(message)
      if (meant) askBridge(meant.name, () => message)
      continue
    }
    if (spec.value !== undefined && eq < 0) {
      errors.push(`${from} needs a value: ${from}=${spec.value} or ${from} ${spec.value}`)
      if (spec.name === 'bridge') askBridge(null, () => errors[errors.length - 1])
      continue
    }
    attempt(spec, eq < 0 ? 'true' : flag.slice(eq + 1), from)
  }
  // Last, so that no exact flag or variable undoes it: which of the two the user meant cannot be
  // known, and only a dry run taken wrongly is undone by running again (the message says "taken
  // as a dry run", and so it is).
  if (lookalikeDryRun || unknown.some((u) => u.dryRun)) o.dryRun = true
  return { ours: o, errors, warnings: unknown.map((u) => u.warning), bridge, bridgeError }
}

/**
 * What a look-alike of --autonet-bridge (flag or variable) with `value` asks for: the bridge
 * name read from it (bridgeNameOf), or null with why it names none; `text` ends its message.
 */
function lookalikeBridge(value: string | undefined): { name: string | null, text: string } {
  const raw = (value ?? '').trim()
  const name = bridgeNameOf(raw)
  if (name !== null) return { name, text: `; taken as asking for bridge ${name}` }
  const problem = value === undefined ? 'no value' : bridgeNameProblem(raw.split('=')[0])
  return { name: null, text: `; it names no bridge (${problem})` }
}

/** The bridge name of an --autonet-bridge value, when it has one (`br-ci=…` or a bare `br-ci`; bridgeNameProblem). */
export function bridgeNameOf(raw: string): string | null {
  const name = raw.split('=')[0]
  return bridgeNameProblem(name) === null ? name : null
}

/**
 * A warning for every DOCKERD_AUTONET_* variable that is no option of ours, naming the closest
 * one; a misspelt DOCKERD_AUTONET_DRY_RUN that is not clearly false still counts as a dry run,
 * and a misspelt DOCKERD_AUTONET_BRIDGE still asks for a bridge (`bridge`: its name, or null
 * when its value names none; absent for any other variable).
 * A blank one says nothing, as a blank option variable counts as unset. What an unknown one
 * means for a start (it steps aside, contract point 3) is decided in invocation.ts.
 */
export function unknownVariables(env: Env): { warning: string, dryRun: boolean, bridge?: string | null }[] {
  const known = OPTIONS.map(envName)
  // Look-alikes too: DOCKER_AUTONET_DRY_RUN, DOCKERD_AUTONETDRY_RUN, dockerd_autonet_dry_run.
  const named = Object.keys(env).filter((k) => LOOKALIKE_VARIABLE.test(k) && !known.includes(k) && (env[k] ?? '').trim() !== '')
  return named.sort().map((k) => {
    const spec = closestOption(k.replace(LOOKALIKE_VARIABLE, ''))
    const near = spec ? envName(spec) : null
    const dryRun = near === 'DOCKERD_AUTONET_DRY_RUN' && !isClearlyFalse(env[k]!)
    const bridge = spec?.name === 'bridge' ? lookalikeBridge(env[k]) : undefined
    const warning = `unknown variable ${k}${dryRun ? ' taken as a dry run' : ''}${near ? ` (did you mean ${near}?)` : ''}${bridge?.text ?? ''}`
    return { warning, dryRun, ...(bridge ? { bridge: bridge.name } : {}) }
  })
}

/**
 * The start of a variable name meant as one of ours: "docker" or "dockerd" then "autonet", any
 * case, `_` and `-` ignored as in flags (`DOCKERD_AUTONET_`, `DOCKER_AUTONET`,
 * `DOCKERD_AUTO_NET_`). A bare `AUTONET_*` is not one: our tooling's variables start so
 * (AUTONET_CASES_DIR, AUTONET_E2E_ENGINES…).
 */
export const LOOKALIKE_VARIABLE = /^DOCKER[-_]*D?[-_]*AUTO[-_]*NET[-_]*/i

/** A switch value readSwitch reads as false (`0`, `f`, `false`, `no`, `off`, any case); anything unreadable is not. */
export function isClearlyFalse(raw: string): boolean {
  try {
    return !readSwitch(raw.trim(), '')
  } catch {
    return false
  }
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo (at most a third of its length). */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: { c: string, d: number } | null = null
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase())
    if (best === null || d < best.d) best = { c, d }
  }
  return best && best.d <= Math.max(2, Math.floor(best.c.length / 3)) ? best.c : null
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]
}

/** Our options when nothing is said: all fixes on, 1500 at most, nothing printed in their place. */
export function defaultOptions(): AutonetOptions {
  return { dryRun: false, exec: null, disable: false, debug: false, conntrackWatch: false, probe: null, dockerdVersion: null, plan: { ...DEFAULT_PLAN_OPTIONS } }
}
