/**
 * The start-path contract of dockerd-autonet, decided in one place: `readInvocation`.
 *
 * Model: docker-library's dockerd-entrypoint.sh, which states its own at the top.
 *
 * 1. What runs. No arguments, or a first argument starting with `-`, means "dockerd with these
 *    flags"; a first argument naming dockerd means "exactly this dockerd"; the dind image's
 *    `dockerd-entrypoint.sh` reaches dockerd only as that script does (no arguments, flags, or
 *    `dockerd` first; `dockerd-entrypoint.sh docker info` runs `docker info`); any other command
 *    is exec'd untouched. Our options are `--autonet-*` flags, each with a `DOCKERD_AUTONET_*`
 *    environment default; a valued one takes `=VALUE` or the next word (`--autonet-max-mtu 9000`,
 *    as a YAML list writes it). They are taken out; dockerd's argv stays exactly as given.
 * 2. A dry run, in any spelling (flag or variable, next to bad options too; a value that is not
 *    clearly false counts, and so does a misspelt name whose closest option is the dry run),
 *    execs nothing and applies nothing. It reads the machine as a real
 *    start would, which may run `dockerd --version` and, with --autonet-probe, ping.
 * 3. A mistake in our options or variables never stops dockerd and never becomes the program
 *    or one of its arguments: it is logged, and the program starts with the user's arguments.
 *    An unknown `DOCKERD_AUTONET_*` variable, or a look-alike (`DOCKER_AUTONET_*`, any case), is a
 *    warning naming the closest option; so is a flag with "autonet" in its name that is not ours
 *    exactly (`--autonet_dry_run`, `-autonet-dry-run`): it is taken out, never passed to dockerd.
 * 4. Only when dockerd will run with the user's flags and can accept them is anything applied
 *    (MSS clamp, conntrack deletion, MAC pin) or appended. A positional word (dockerd takes none),
 *    `--version`/`--help`/`--validate`, a foreign command, or --autonet-disable: exec unchanged.
 * 5. A second daemon's bridge (--autonet-bridge=NAME=CIDR) never yields a dockerd on docker0:
 *    whenever we step aside (bad options, detection or plan failed), `--bridge=NAME` is still
 *    passed (unless the user names a bridge), so dockerd uses NAME or fails loudly ("bridge
 *    device with non default name NAME must be created manually"). When not even NAME can be
 *    read from the option, dockerd does not start at all (exit 2).
 *
 * This module is on the start-up path of every dockerd launch: it imports nothing heavy.
 */
import { isIP } from 'node:net'
import { lastFlagValue, parseDockerdFlags, positionalArgs } from '../dockerd/flags.js'
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from '../model.js'
import { CONTAINER_MTU_MAX, IPV4_MIN_MTU } from '../net/mtu-limits.js'

/** The process environment as Node gives it. */
export type Env = Record<string, string | undefined>

/**
 * What the wrapper does:
 * - `run`: read the machine, plan, apply actions, exec `command` with the planned argv;
 * - `exec`: exec `command` with `dockerdArgs` untouched (a foreign command, or --autonet-disable);
 * - `plan`, `snapshot`, `doctor`, `help`, `version`: our subcommands, nothing is exec'd;
 * - `install`, `uninstall`: put the dockerd shim in front of dockerd in an image, or take it away.
 */
export type Mode = 'run' | 'exec' | 'plan' | 'snapshot' | 'doctor' | 'install' | 'uninstall' | 'help' | 'version'

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

/** What one command line asks for: the mode, the program and its arguments, and our options. */
export interface Invocation {
  mode: Mode
  /** Program to exec (as the user wrote it, or `dockerd`); for plan/snapshot the program the plan is for; null for help and version. */
  program: string | null
  /**
   * run: dockerd's own argv, in the user's order, our options taken out (what is planned for);
   * exec: the program's arguments exactly as it gets them.
   */
  dockerdArgs: string[]
  /** run: words the program gets before dockerd's argv (`dockerd` in `dockerd-entrypoint.sh dockerd --debug`). */
  leadArgs: string[]
  /** Arguments of our subcommand (`plan --state FILE --json`), before any `--`. */
  subcommandArgs: string[]
  ours: AutonetOptions
  /** Set when our options did not parse in a mode that starts a program: it is logged, and the program starts unchanged. */
  optionError?: string
  /** Lines to log as warnings (an unknown DOCKERD_AUTONET_* variable). */
  warnings: string[]
  /** Why an `exec` invocation passes the program through unchanged (for the log). */
  reason?: string
  /** The second daemon's bridge (--autonet-bridge): dockerd is told it even when we step aside (contract point 5). */
  bridge: string | null
}

/** A bad command line or bad input: the message names what is at fault; exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2
}

const SUBCOMMANDS: Record<string, Mode> = {
  plan: 'plan', snapshot: 'snapshot', doctor: 'doctor', install: 'install', uninstall: 'uninstall', help: 'help', '--help': 'help', version: 'version', '--version': 'version',
}

/**
 * Decide what a command line means (see the module comment and `dockerd-autonet --help`).
 *
 * @param argv the wrapper's arguments without node and script (`process.argv.slice(2)`)
 * @param env  the environment; `DOCKERD_AUTONET_*` variables give our options' defaults
 * @throws UsageError for a bad option of a subcommand (plan, snapshot, doctor, help…), naming
 *   it; where a program is to start, only when --autonet-bridge names no bridge (point 5)
 */
export function readInvocation(argv: readonly string[], env: Env): Invocation {
  // Our flags may come first, before whatever the rest turns out to be.
  const lead = takeOurs(argv, { leadingOnly: true })
  const i = argv.length - lead.rest.length
  const first: string | undefined = argv[i]
  const rest = argv.slice(i + 1)
  const mode = first === undefined ? undefined : SUBCOMMANDS[first]
  const base = { leadArgs: [] as string[], subcommandArgs: [] as string[], bridge: null }

  if (mode === 'help' || mode === 'version') {
    const read = strictOptions(lead.ours, env)
    return { ...base, mode, program: null, dockerdArgs: [], subcommandArgs: rest, ours: read.ours, warnings: read.warnings }
  }
  if (mode === 'install' || mode === 'uninstall') {
    // Ours stand anywhere (--help says so): `install --root R --autonet-dry-run` is a dry run.
    const own = takeOurs(rest, { leadingOnly: false })
    const read = strictOptions([...lead.ours, ...own.ours], env)
    return { ...base, mode, program: null, dockerdArgs: [], subcommandArgs: own.rest, ours: read.ours, warnings: read.warnings }
  }
  if (mode === 'plan' || mode === 'snapshot' || mode === 'doctor') {
    // `plan [--state FILE] [--json] [-- DOCKERD-ARGS...]`: after `--` is what dockerd would get.
    const end = rest.indexOf('--')
    const own = takeOurs(end < 0 ? rest : rest.slice(0, end), { leadingOnly: false })
    const read = strictOptions([...lead.ours, ...own.ours], env)
    return {
      ...base, mode, program: read.ours.exec ?? 'dockerd', ours: read.ours, warnings: read.warnings,
      subcommandArgs: own.rest, dockerdArgs: end < 0 ? [] : rest.slice(end + 1),
    }
  }
  const target = startTarget(first, rest, argv.slice(i))
  const mine = [...lead.ours, ...target.ours]
  const read = readOptionsLenient(mine, env)
  const ours = read.ours
  const program = target.program ?? ours.exec ?? 'dockerd'
  const common = { ...base, program, ours, warnings: read.warnings }
  if (!target.forDockerd) {
    return { ...common, mode: 'exec', dockerdArgs: target.args, reason: target.why ?? 'not dockerd', ...errorOf(read) }
  }
  const refusal = positionalArgs(target.args)
  const reason = ours.disable && !read.errors.length ? 'disabled'
    // `dockerd --version` (the dind image's shim sees it too) starts no daemon: nothing to plan or apply.
    : asksOnlyForInfo(target.args) ? 'no daemon to start (version, help or validate)'
    : refusal.length ? `dockerd takes no arguments and will refuse ${refusal.map((w) => JSON.stringify(w)).join(' ')}: nothing planned or applied`
    : read.errors.length ? 'options not understood'
    : null
  if (read.bridgeError && (reason === null || reason === 'options not understood')) {
    // Point 5: without a name dockerd would start on docker0, the first daemon's bridge.
    throw new UsageError(`${read.bridgeError}; not starting ${program}: without its own bridge a second daemon would share docker0 with the first`)
  }
  if (reason === null) return { ...common, mode: 'run', dockerdArgs: target.args, leadArgs: target.lead, bridge: read.bridge }
  // Stepping aside: the program gets exactly the user's words, plus a second daemon's bridge
  // when dockerd will really start with them (point 5).
  const bridge = reason === 'options not understood' ? read.bridge : null
  return { ...common, mode: 'exec', dockerdArgs: [...target.lead, ...target.args], reason, bridge, ...errorOf(read) }
}

function errorOf(read: OptionsRead): { optionError?: string } {
  return read.errors.length ? { optionError: read.errors.join('; ') } : {}
}

/** Where the words after our leading options go: the program, whether it runs dockerd with flags, and which words are ours. */
interface StartTarget {
  /** The program named; null = dockerd (or --autonet-exec). */
  program: string | null
  forDockerd: boolean
  /** run: dockerd's argv (ours taken out); a foreign program: its arguments untouched. */
  args: string[]
  /** Words before dockerd's argv (`dockerd` after dockerd-entrypoint.sh). */
  lead: string[]
  /** Our options found among dockerd's flags. */
  ours: string[]
  why?: string
}

function startTarget(first: string | undefined, rest: string[], fromFirst: string[]): StartTarget {
  if (first === undefined || first.startsWith('-')) {
    const t = takeOurs(fromFirst, { leadingOnly: false })
    return { program: null, forDockerd: true, args: t.rest, lead: [], ours: t.ours }
  }
  const name = basename(first)
  const t = takeOurs(rest, { leadingOnly: false })
  if (name === 'dockerd') return { program: first, forDockerd: true, args: t.rest, lead: [], ours: t.ours }
  if (name === 'dockerd-entrypoint.sh') {
    // The entrypoint's own rule: no arguments or a flag first -> dockerd with them; `dockerd`
    // first -> that dockerd; anything else is exec'd by the script ("$@").
    const [head] = t.rest
    if (head === undefined || head.startsWith('-')) return { program: first, forDockerd: true, args: t.rest, lead: [], ours: t.ours }
    if (head === 'dockerd') return { program: first, forDockerd: true, args: t.rest.slice(1), lead: ['dockerd'], ours: t.ours }
    return { program: first, forDockerd: false, args: rest, lead: [], ours: [], why: `not dockerd: ${first} runs ${head}` }
  }
  // Any other program (sh, a script of yours) gets its arguments exactly; ours count only before it.
  return { program: first, forDockerd: false, args: rest, lead: [], ours: [] }
}

/**
 * Our words out of `words`: each as `--autonet-NAME[=VALUE]`, a valued option's next word joined
 * as its value (`--autonet-max-mtu 9000`) unless that word is a flag. `leadingOnly` stops at the
 * first word that is not ours; otherwise ours are taken wherever they stand.
 */
function takeOurs(words: readonly string[], o: { leadingOnly: boolean }): { ours: string[], rest: string[] } {
  const ours: string[] = []
  const rest: string[] = []
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    if (!isOurs(w)) {
      if (o.leadingOnly) { rest.push(...words.slice(i)); break }
      rest.push(w)
      continue
    }
    const spec = specOf(w)
    const next = words[i + 1]
    if (spec?.value !== undefined && !w.includes('=') && next !== undefined && !next.startsWith('-')) {
      ours.push(`${w}=${next}`)
      i++
    } else {
      ours.push(w)
    }
  }
  return { ours, rest }
}

function specOf(flag: string): OptionSpec | undefined {
  if (!flag.startsWith('--autonet-')) return undefined
  const eq = flag.indexOf('=')
  const name = flag.slice('--autonet-'.length, eq < 0 ? undefined : eq)
  return OPTIONS.find((s) => s.name === name)
}

/**
 * True when dockerd is asked only to print its version or help, or to check its configuration
 * (pflag: -v, --version, -h, --help, --validate; a boolean may be written `--version=true`).
 */
function asksOnlyForInfo(flags: readonly string[]): boolean {
  const end = flags.indexOf('--')
  return (end < 0 ? flags : flags.slice(0, end)).some((a) => /^(-v|-h|--version|--help|--validate)(=(true|1))?$/.test(a))
}

/**
 * dockerd's argv when we step aside (bad options, detection or the plan failed): the user's, plus
 * `--bridge=NAME` for a second daemon's bridge (contract point 5) unless the user's argv or
 * daemon.json already names a bridge. Returns the argv and the line to log, if one was added.
 */
export function fallbackArgs(inv: Pick<Invocation, 'dockerdArgs' | 'bridge'>, daemonJson: Record<string, unknown> | null): { args: string[], note: string | null } {
  const args = [...inv.dockerdArgs]
  if (inv.bridge === null || lastFlagValue(parseDockerdFlags(args), 'bridge') || (daemonJson && 'bridge' in daemonJson)) return { args, note: null }
  const end = args.indexOf('--')
  args.splice(end < 0 ? args.length : end, 0, `--bridge=${inv.bridge}`)
  return { args, note: `keeping --bridge=${inv.bridge} (--autonet-bridge): a second daemon must not land on docker0; dockerd fails loudly if ${inv.bridge} does not exist` }
}

/**
 * True for an argument meant for us: `--autonet-…`, or any flag whose name (before `=`) has
 * "autonet" in it, ignoring case, `-` and `_` (`--autonet_dry_run`, `-autonet-dry-run`,
 * `--Auto-Net-dry-run`). dockerd has no such flag and would refuse it, so a look-alike is a
 * mistake in our options: taken out of dockerd's argv, never passed on.
 */
export function isOurs(arg: string): boolean {
  return arg.startsWith('--autonet-') || (arg.startsWith('-') && squash(arg.split('=')[0]).includes('autonet'))
}

/** A name with case, `-` and `_` ignored: how look-alikes of our names are compared. */
function squash(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '')
}

/** The option a look-alike flag (`--autonet_dry_run`) or variable name is closest to, if any is near. */
function closestOption(nameAfterAutonet: string): OptionSpec | undefined {
  const byName = new Map(OPTIONS.map((s) => [squash(s.name), s]))
  const near = closest(squash(nameAfterAutonet), [...byName.keys()])
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
  { name: 'exec', value: 'CMD', describe: 'program to exec instead of dockerd when the arguments are flags',
    set: (o, raw, from) => {
      if (raw === '') throw new UsageError(`invalid value for ${from}: "" (expected a program, e.g. /usr/local/bin/dockerd)`)
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
  { name: 'bridge', value: 'NAME=CIDR', describe: 'create this bridge for a second daemon (br-ci=10.99.0.1/24)',
    set: (o, raw, from) => { o.plan.createBridge = readBridge(raw, from) } },
  { name: 'probe', value: 'HOST', describe: 'probe the path MTU to HOST with Don\'t-Fragment pings (iputils ping, at most 10 s) and plan at most what gets through; no answer = keep the egress MTU',
    set: (o, raw, from) => { o.probe = readHost(raw, from) } },
  { name: 'dockerd-version', value: 'V', describe: 'engine version of the dockerd to exec (e.g. 27.3.1), known in advance: skips the `dockerd --version` probe at start (the image sets it)',
    set: (o, raw, from) => { o.dockerdVersion = readVersion(raw, from) } },
  { name: 'disable', describe: 'pass everything through untouched: no detection, no changes',
    set: (o, raw, from) => { o.disable = readSwitch(raw, from) } },
  { name: 'debug', describe: 'log debug lines',
    set: (o, raw, from) => { o.debug = readSwitch(raw, from) } },
]

/** The environment variable that gives an option's default: `DOCKERD_AUTONET_MAX_MTU`. */
export function envName(spec: OptionSpec): string {
  return `DOCKERD_AUTONET_${spec.name.toUpperCase().replace(/-/g, '_')}`
}

/** Our options as read, each on its own: what was understood, what was not, and what to warn about. */
interface OptionsRead {
  ours: AutonetOptions
  /** One message per option that did not parse, naming the flag or variable and its value. */
  errors: string[]
  /** Unknown DOCKERD_AUTONET_* variables, each naming the closest option. */
  warnings: string[]
  /** The bridge name --autonet-bridge asks for, read even from a bad value (`br-ci` without CIDR). */
  bridge: string | null
  /** Set when --autonet-bridge is given but names no bridge: dockerd must not start (point 5). */
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

function strictOptions(flags: readonly string[], env: Env): OptionsRead {
  const read = readOptionsLenient(flags, env)
  if (read.errors.length) throw new UsageError(read.errors[0])
  return read
}

/**
 * Every option read on its own, so one bad value spoils none of the others: a dry run stays a
 * dry run next to a bad option, and a dry-run value that is not clearly false counts as true
 * (starting a program on an unreadable "dry run" is the one mistake that cannot be undone).
 */
function readOptionsLenient(flags: readonly string[], env: Env): OptionsRead {
  const o = defaultOptions()
  const errors: string[] = []
  let bridge: string | null = null
  const attempt = (spec: OptionSpec, raw: string, from: string) => {
    const value = raw.trim()
    if (spec.name === 'bridge') bridge = bridgeNameOf(value)
    try {
      spec.set(o, value, from)
    } catch (err) {
      if (!(err instanceof UsageError)) throw err
      errors.push(err.message)
      if (spec.name === 'dry-run') o.dryRun = true
    }
  }
  const given = new Set(flags.map((f) => f.slice('--autonet-'.length).split('=')[0]))
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
      // What follows the first "autonet" is the name meant (`--auto-net_dry-run` -> dry-run).
      const meant = squash(from).replace(/^.*?autonet/, '')
      const near = closestOption(meant)?.name ?? null
      // A misspelt dry run is still meant as one: nothing may start on it.
      const dry = near === 'dry-run' && !isClearlyFalse(eq < 0 ? 'true' : flag.slice(eq + 1))
      if (dry) o.dryRun = true
      errors.push(`unknown option ${from} (${near ? `did you mean --autonet-${near}? ` : ''}see dockerd-autonet --help)${dry ? '; taken as a dry run' : ''}`)
      continue
    }
    if (spec.value !== undefined && eq < 0) {
      errors.push(`${from} needs a value: ${from}=${spec.value} or ${from} ${spec.value}`)
      if (spec.name === 'bridge') bridge = null
      continue
    }
    attempt(spec, eq < 0 ? 'true' : flag.slice(eq + 1), from)
  }
  const asked = flags.some((f) => specOf(f)?.name === 'bridge') || (env.DOCKERD_AUTONET_BRIDGE ?? '').trim() !== ''
  const bridgeError = asked && bridge === null
    ? errors.find((e) => /autonet-bridge|AUTONET_BRIDGE/.test(e)) ?? '--autonet-bridge names no bridge'
    : null
  const unknown = unknownVariables(env)
  if (unknown.some((u) => u.dryRun) && !given.has('dry-run')) o.dryRun = true
  return { ours: o, errors, warnings: unknown.map((u) => u.warning), bridge, bridgeError }
}

/** The interface name of an --autonet-bridge value, when it has one (`br-ci=…` or a bare `br-ci`). */
function bridgeNameOf(raw: string): string | null {
  const name = raw.split('=')[0]
  return isInterfaceName(name) ? name : null
}

function isInterfaceName(name: string): boolean {
  return /^[^\s/:=]{1,15}$/.test(name) && name !== '.' && name !== '..'
}

/**
 * A warning for every DOCKERD_AUTONET_* variable that is no option of ours, naming the closest
 * one; a misspelt DOCKERD_AUTONET_DRY_RUN that is not clearly false still counts as a dry run.
 */
function unknownVariables(env: Env): { warning: string, dryRun: boolean }[] {
  const known = OPTIONS.map(envName)
  // Look-alikes too: DOCKER_AUTONET_DRY_RUN, DOCKERD_AUTONETDRY_RUN, dockerd_autonet_dry_run.
  return Object.keys(env).filter((k) => LOOKALIKE_VARIABLE.test(k) && !known.includes(k)).sort().map((k) => {
    const spec = closestOption(k.replace(LOOKALIKE_VARIABLE, ''))
    const near = spec ? envName(spec) : null
    const dryRun = near === 'DOCKERD_AUTONET_DRY_RUN' && (env[k] ?? '').trim() !== '' && !isClearlyFalse(env[k]!)
    return { warning: `unknown variable ${k} ${dryRun ? 'taken as a dry run' : 'ignored'}${near ? ` (did you mean ${near}?)` : ''}`, dryRun }
  })
}

/** The start of a variable name meant as one of ours (`DOCKERD_AUTONET_`, `DOCKER_AUTONET`, any case). */
const LOOKALIKE_VARIABLE = /^DOCKER_?D?_?AUTONET_?/i

function isClearlyFalse(raw: string): boolean {
  return ['0', 'false', 'no', 'off'].includes(raw.trim().toLowerCase())
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
function editDistance(a: string, b: string): number {
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

function readSwitch(raw: string, from: string): boolean {
  const v = raw.toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  throw new UsageError(`invalid value for ${from}: "${raw}" (expected true or false, 1 or 0)`)
}

/**
 * The cap we may plan up to: from IPV4_MIN_MTU (no planned MTU goes below it) to
 * CONTAINER_MTU_MAX (the most a bridge and its veths take), both in src/net/mtu-limits.ts.
 */
function readMtu(raw: string, from: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (!(n >= IPV4_MIN_MTU && n <= CONTAINER_MTU_MAX)) {
    throw new UsageError(`invalid value for ${from}: "${raw}" (expected an MTU in bytes, an integer from ${IPV4_MIN_MTU} to ${CONTAINER_MTU_MAX})`)
  }
  return n
}

function readChoice<T extends string>(raw: string, from: string, choices: readonly T[]): T {
  const hit = choices.find((c) => c === raw)
  if (!hit) throw new UsageError(`invalid value for ${from}: "${raw}" (expected ${choices.join(' or ')})`)
  return hit
}

/** `NAME=CIDR`: a Linux interface name (1-15 bytes, no `/`, `:` or blanks) and the gateway address with its prefix. */
function readBridge(raw: string, from: string): { name: string, cidr: string } {
  const bad = (why: string) => new UsageError(`invalid value for ${from}: "${raw}" (${why}; e.g. br-ci=10.99.0.1/24)`)
  const eq = raw.indexOf('=')
  if (eq < 0) throw bad('expected NAME=CIDR')
  const name = raw.slice(0, eq)
  const cidr = raw.slice(eq + 1)
  if (!isInterfaceName(name)) throw bad(`"${name}" is not an interface name`)
  const [addr = '', prefix, extra] = cidr.split('/')
  const family = isIP(addr)
  const bits = prefix !== undefined && /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN
  if (!family || extra !== undefined || !(bits >= 1 && bits <= (family === 4 ? 32 : 128))) {
    throw bad(`"${cidr}" is not an address with a prefix length`)
  }
  return { name, cidr }
}

/** A host name or address for ping: no blanks, not starting with `-` (ping would read it as an option). */
function readHost(raw: string, from: string): string {
  if (!/^[A-Za-z0-9_.:%\[\]-]{1,253}$/.test(raw) || raw.startsWith('-')) {
    throw new UsageError(`invalid value for ${from}: "${raw}" (expected a host name or an IP address, e.g. 1.1.1.1)`)
  }
  return raw.replace(/^\[(.*)\]$/, '$1')
}

/** A Docker Engine version as `dockerd --version` prints it: MAJOR.MINOR[.PATCH][suffix]. */
function readVersion(raw: string, from: string): string {
  if (!/^v?\d+\.\d+(\.\d+)?([-+~][\w.~+-]*)?$/.test(raw)) {
    throw new UsageError(`invalid value for ${from}: "${raw}" (expected an engine version such as 27.3.1)`)
  }
  return raw.replace(/^v/, '')
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}
