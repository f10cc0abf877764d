/**
 * The argument contract of dockerd-autonet, decided in one place: `readInvocation`.
 *
 * Model: docker-library's dockerd-entrypoint.sh. No arguments, or a first argument starting
 * with `-`, means "dockerd with these flags"; a first argument naming dockerd (or the dind
 * image's entrypoint) means "exactly this dockerd"; any other command is exec'd untouched.
 * Our own options are `--autonet-*` flags, each with a `DOCKERD_AUTONET_*` environment
 * default; they are taken out of what reaches dockerd, and everything else keeps its order.
 *
 * This module is on the start-up path of every dockerd launch: it imports nothing heavy.
 */
import { isIP } from 'node:net'
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
  /** Arguments for `command`, in the user's order, our flags taken out (foreign commands: untouched). */
  dockerdArgs: string[]
  /** Arguments of our subcommand (`plan --state FILE --json`), before any `--`. */
  subcommandArgs: string[]
  ours: AutonetOptions
  /** Set when our options did not parse in a mode that starts a program: it is logged, and the program starts unchanged. */
  optionError?: string
  /** Why an `exec` invocation passes the program through unchanged (for the log). */
  reason?: string
}

/** A bad command line or bad input: the message names what is at fault; exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2
}

const SUBCOMMANDS: Record<string, Mode> = {
  plan: 'plan', snapshot: 'snapshot', doctor: 'doctor', install: 'install', uninstall: 'uninstall', help: 'help', '--help': 'help', version: 'version', '--version': 'version',
}

/** Programs that take dockerd's flags, so planned flags may be appended to their arguments. */
const DOCKERD_PROGRAMS = new Set(['dockerd', 'dockerd-entrypoint.sh'])

/**
 * Decide what a command line means (see the module comment and `dockerd-autonet --help`).
 *
 * @param argv the wrapper's arguments without node and script (`process.argv.slice(2)`)
 * @param env  the environment; `DOCKERD_AUTONET_*` variables give our options' defaults
 * @throws UsageError for an unknown `--autonet-*` flag or a bad value (flag or env), naming it
 */
export function readInvocation(argv: readonly string[], env: Env): Invocation {
  // Our flags may come first, before whatever the rest turns out to be.
  let i = 0
  while (i < argv.length && isOurs(argv[i])) i++
  const leading = argv.slice(0, i)
  const first: string | undefined = argv[i]
  const rest = argv.slice(i + 1)
  const mode = first === undefined ? undefined : SUBCOMMANDS[first]

  if (mode === 'help' || mode === 'version' || mode === 'install' || mode === 'uninstall') {
    return { mode, program: null, dockerdArgs: [], subcommandArgs: rest, ours: readOptions(leading, env) }
  }
  if (mode === 'plan' || mode === 'snapshot' || mode === 'doctor') {
    // `plan [--state FILE] [--json] [-- DOCKERD-ARGS...]`: after `--` is what dockerd would get.
    const end = rest.indexOf('--')
    const own = end < 0 ? rest : rest.slice(0, end)
    const ours = readOptions([...leading, ...own.filter(isOurs)], env)
    return {
      mode, program: ours.exec ?? 'dockerd', ours,
      subcommandArgs: own.filter((a) => !isOurs(a)), dockerdArgs: end < 0 ? [] : rest.slice(end + 1),
    }
  }
  const forDockerd = first === undefined || first.startsWith('-') || DOCKERD_PROGRAMS.has(basename(first))
  // For dockerd, ours are taken out wherever they stand and the rest keeps its order; any other
  // program (sh, a script of yours) gets its arguments exactly, ours count only before it.
  const named = first !== undefined && !first.startsWith('-')
  const args = forDockerd ? (named ? rest : argv.slice(i)) : rest
  const mine = forDockerd ? [...leading, ...args.filter(isOurs)] : leading
  const dockerdArgs = forDockerd ? args.filter((a) => !isOurs(a)) : rest
  let ours: AutonetOptions
  try {
    ours = readOptions(mine, env)
  } catch (err) {
    // A mistyped CI variable must not take the Docker service down: the program starts with the
    // user's own arguments, as when detection fails (the caller logs optionError).
    if (!(err instanceof UsageError)) throw err
    const command = named ? first : execFallback(mine, env)
    return { mode: 'exec', program: command, dockerdArgs, subcommandArgs: [], ours: defaultOptions(), optionError: err.message, reason: 'options not understood' }
  }
  const command = named ? first : ours.exec ?? 'dockerd'
  const reason = !forDockerd ? 'not dockerd'
    : ours.disable ? 'disabled'
    // `dockerd --version` (the dind image's shim sees it too) starts no daemon: nothing to plan or apply.
    : asksOnlyForInfo(dockerdArgs) ? 'no daemon to start (version, help or validate)'
    : null
  return { mode: reason ? 'exec' : 'run', program: command, dockerdArgs, subcommandArgs: [], ours, ...(reason ? { reason } : {}) }
}

/** The program the user meant when their options did not parse: a readable --autonet-exec, else dockerd. */
function execFallback(flags: readonly string[], env: Env): string {
  const flag = [...flags].reverse().find((f) => f.startsWith('--autonet-exec='))
  return flag?.slice('--autonet-exec='.length) || env.DOCKERD_AUTONET_EXEC || 'dockerd'
}

/**
 * True when dockerd is asked only to print its version or help, or to check its configuration
 * (pflag: -v, --version, -h, --help, --validate; a boolean may be written `--version=true`).
 */
function asksOnlyForInfo(flags: readonly string[]): boolean {
  const end = flags.indexOf('--')
  return (end < 0 ? flags : flags.slice(0, end)).some((a) => /^(-v|-h|--version|--help|--validate)(=(true|1))?$/.test(a))
}

/** True for an argument in our namespace (`--autonet-…`). */
export function isOurs(arg: string): boolean {
  return arg.startsWith('--autonet-')
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
    set: (o, raw) => { o.exec = raw } },
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

/**
 * Our options from defaults, then the environment, then `flags` in order (the last one wins).
 * An empty env variable counts as unset, as in most shells' `${VAR:-default}`.
 * @throws UsageError naming the flag or variable and the bad value
 */
export function readOptions(flags: readonly string[], env: Env): AutonetOptions {
  const o = defaultOptions()
  const given = new Set(flags.map((f) => f.slice('--autonet-'.length).split('=')[0]))
  for (const spec of OPTIONS) {
    const raw = env[envName(spec)]
    // A flag beats the environment, so a variable it overrides is not even read.
    if (raw !== undefined && raw !== '' && !given.has(spec.name)) spec.set(o, raw, envName(spec))
  }
  for (const flag of flags) {
    const eq = flag.indexOf('=')
    const name = flag.slice('--autonet-'.length, eq < 0 ? undefined : eq)
    const spec = OPTIONS.find((s) => s.name === name)
    if (!spec) throw new UsageError(`unknown option ${flag.slice(0, eq < 0 ? undefined : eq)} (see dockerd-autonet --help)`)
    const from = `--autonet-${name}`
    // Valued options take `=VALUE` only: a separate word could be one of dockerd's arguments.
    if (spec.value !== undefined && eq < 0) throw new UsageError(`${from} needs a value: ${from}=${spec.value}`)
    spec.set(o, eq < 0 ? 'true' : flag.slice(eq + 1), from)
  }
  return o
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
  if (!/^[^\s/:=]{1,15}$/.test(name) || name === '.' || name === '..') throw bad(`"${name}" is not an interface name`)
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
