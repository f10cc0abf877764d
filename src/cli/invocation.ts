/**
 * The start-path contract of dockerd-autonet, decided in one place: `readInvocation`.
 *
 * Model: docker-library's dockerd-entrypoint.sh, which states its own at the top.
 *
 * 1. What runs. No arguments, or a first argument starting with `-`, means "dockerd with these
 *    flags"; a first argument naming dockerd means "exactly this dockerd"; the dind image's
 *    `dockerd-entrypoint.sh` reaches dockerd only as that script does, judged on its words with
 *    ours taken out (no arguments, flags, or `dockerd` first; `dockerd-entrypoint.sh docker info`
 *    runs `docker info`, ours before `docker` taken out and read); any other command is exec'd
 *    untouched: ours count only before it, its words are its own, yet a dry run among them (not
 *    clearly false) still starts nothing (point 2). Our options are `--autonet-*` flags, each with a `DOCKERD_AUTONET_*`
 *    environment default; a valued one takes `=VALUE` or the next word (`--autonet-max-mtu 9000`,
 *    as a YAML list writes it; even `-5`, but not a flag dockerd knows or one of ours), a switch
 *    or a word of ours meant as no option (`--autonet-mtu`) `=VALUE` or a next word that looks
 *    like a value (`--autonet-debug true`, `--autonet-dry-run no`, `--autonet-mtu 1400`: a switch
 *    word, a word starting with a digit or `-` and a digit, a non-flag with `=`), or a plain word
 *    among dockerd's flags (`--debug --autonet-mtu auto`: dockerd takes no positional word) or,
 *    where it would be the program, one that names no program (`--autonet-mtu auto --debug`;
 *    `sh`, found on PATH, stays the program: takeOurs). They are taken out; dockerd's argv stays
 *    exactly as given.
 * 2. A dry run, in any spelling (flag or variable, next to bad options too; a value that is not
 *    clearly false counts, and so does a misspelt name whose closest option is the dry run,
 *    whatever an exact `--autonet-dry-run=false` says), execs nothing and applies nothing. It reads the machine as a real
 *    start would, which may run `dockerd --version` and, with --autonet-probe, ping.
 * 3. A mistake in our options or variables never stops dockerd and never becomes the program
 *    or one of its arguments: it is logged, and the program starts with the user's arguments,
 *    nothing applied or appended. So does an unknown `DOCKERD_AUTONET_*` variable, or a
 *    look-alike (`DOCKER_AUTO_NET_*`: any case, `_`/`-` ignored; not a bare `AUTONET_*`, our
 *    tooling's; a blank one counts as unset): one warning naming the closest option. A flag with
 *    "autonet" in its name that is not ours exactly (`--autonet_dry_run`, `-autonet-dry-run`,
 *    `—autonet-debug` with a typographic dash) is such a mistake: taken out, never passed on;
 *    one dockerd reads as its own shorthands with a value attached (`-Hunix:///run/autonet.sock`)
 *    is dockerd's (isOurs).
 *    `plan -- WORDS` shows the start stepping aside on it, the mistake as the reason; a bad
 *    option of plan itself (before `--`, or a bad variable value) is a usage error (exit 2).
 *    A throw of ours in reading the command line starts the program the plainest way
 *    (fallbackInvocation), unless a dry run or a second daemon's bridge is in sight.
 * 4. Only when dockerd will run with the user's flags and can accept them is anything applied
 *    (MSS clamp, conntrack deletion, MAC pin) or appended. A positional word (dockerd takes none),
 *    a value flag left without its value at the end (`--log-level`: dockerd refuses it, and a
 *    flag appended after it would become its value), `--version`/`--help`/`--validate` in any
 *    spelling pflag takes as true (`-v`, `-Dv`, `--help=t`; not `--version=false`), a foreign
 *    command, or --autonet-disable (a second daemon's bridge kept, point 5): exec unchanged. Once the machine is read, whatever else dockerd
 *    refuses steps aside the same way (start-decision.ts refusedStart, shared by the start, the
 *    dry run and `plan`): a flag no dockerd has; a daemon.json unreadable, not read whole (its
 *    keys unknown), with a key no dockerd knows or one a flag of the user's sets too (or one
 *    dockerd-entrypoint.sh adds ahead of them: entrypointFlags, its --host and TLS flags); a value
 *    dockerd refuses (`--debug=yes`, `--mtu=70000`, `"labels": "x"`, `-b` with `--bip`); a
 *    bridge named by `-b` or daemon.json that is missing or no bridge (plan/bridge.ts); a bridge
 *    or config file named with bytes that are not UTF-8 (start-decision.ts lossyName). So does
 *    an exec that cannot happen (exec-check.ts: the program cannot be run, or our flags would
 *    push it past the kernel's limits), decided for the start, the dry run and `plan -- WORDS`.
 *    Started as dockerd with DOCKERD_WRAPPED_BY_AUTONET set (handover.ts: a dockerd-autonet
 *    already planned this dockerd, and started us again), we plan nothing: exec unchanged, a
 *    second daemon's bridge kept (point 5); `plan` reads the same count.
 * 5. A second daemon's bridge (--autonet-bridge=NAME=CIDR) never yields a dockerd on docker0,
 *    and wins over point 3: a look-alike flag or variable whose closest option is the bridge asks
 *    for NAME too. Whenever we step aside (bad options, --autonet-disable, a hand-over, detection
 *    or plan failed), `--bridge=NAME` is still
 *    passed (unless the user names a bridge or sets its address: -b, --bip, --bip6, or their
 *    daemon.json keys; an empty one names nothing), so dockerd uses NAME or fails loudly ("bridge
 *    device with non default name NAME must be created manually", "existing interface NAME is
 *    not a bridge"; next to an empty daemon.json "bridge", which is docker0 yet clashes with any
 *    --bridge, "specified both as a flag and in the configuration file"). When not
 *    even NAME can be read from the option, or it is docker0 (the first daemon's), dockerd does
 *    not start at all (exit 2). Before a foreign command we start no dockerd: the bridge is not
 *    used, and one warning says so (unusedBridge).
 *
 * This module is on the start-up path of every dockerd launch: it imports nothing heavy.
 */
import { resolveCommand } from '../apply/resolve-command.js'
import { DIND_ENTRYPOINT } from '../dockerd/entrypoint-flags.js'
import { isTrue, parseDockerdFlags, unknownFlag } from '../dockerd/flags.js'
import { fileBridgeClash, ownBridgeChoice } from '../dockerd/settings.js'
import { handovers, WRAPPED_VAR } from './handover.js'
import { switchWord } from './option-values.js'
import { defaultOptions, isClearlyFalse, isOurs, LOOKALIKE_VARIABLE, meantOption, readOptionsLenient, squash, strictOptions, type AutonetOptions, type Env, type OptionsRead } from './options.js'
import { refusedArgv } from './start-decision.js'
import { UsageError } from './usage-error.js'


/**
 * What the wrapper does:
 * - `run`: read the machine, plan, apply actions, exec `command` with the planned argv;
 * - `exec`: exec `command` with `dockerdArgs` untouched (a foreign command, or --autonet-disable);
 * - `plan`, `snapshot`, `doctor`, `help`, `version`: our subcommands, nothing is exec'd;
 * - `install`, `uninstall`: put the dockerd shim in front of dockerd in an image, or take it away.
 */
export type Mode = 'run' | 'exec' | 'plan' | 'snapshot' | 'doctor' | 'install' | 'uninstall' | 'help' | 'version'


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
  /** plan: a start's words were given after `--` (they replace a snapshot's argv, even when none). */
  argvGiven?: boolean
  ours: AutonetOptions
  /** Set when our options did not parse in a mode that starts a program: it is logged, and the program starts unchanged. */
  optionError?: string
  /** Lines to log as warnings (an unknown DOCKERD_AUTONET_* variable). */
  warnings: string[]
  /** Why an `exec` invocation passes the program through unchanged (for the log). */
  reason?: string
  /** The reason is worth a warning, not only a debug line: dockerd will refuse the argv, or dockerd-entrypoint.sh will run another command. */
  notable?: boolean
  /** The second daemon's bridge (--autonet-bridge): dockerd is told it even when we step aside (contract point 5). */
  bridge: string | null
  /**
   * The program runs dockerd: the hand-over count its DOCKERD_WRAPPED_BY_AUTONET gets (handover.ts,
   * ours included); null for a foreign program or a subcommand, whose environment stays as given.
   */
  handover: number | null
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
  const lead = takeOurs(argv, { leadingOnly: true, plainValue: programOrNot(env) })
  const i = argv.length - lead.rest.length
  const first: string | undefined = argv[i]
  const rest = argv.slice(i + 1)
  const mode = first === undefined ? undefined : SUBCOMMANDS[first]
  const base = { leadArgs: [] as string[], subcommandArgs: [] as string[], bridge: null, handover: null }

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
    const words = end < 0 ? [] : rest.slice(end + 1)
    // plan's words are a start's (`plan -- dockerd --debug`), read as the start path reads them,
    // so that plan steps aside where a start would (point 4), with the same reason.
    // Ours may lead a start's words, before the program, as they may lead a start (`plan --
    // --autonet-debug dockerd --debug`).
    const leading = takeOurs(words, { leadingOnly: true, plainValue: programOrNot(env) })
    const at0 = words.length - leading.rest.length
    const target = mode === 'plan' ? startTarget(words[at0], words.slice(at0 + 1), words.slice(at0), env) : null
    // A bad option of the subcommand (before `--`, or in the environment) is a usage error; one
    // among the start's words is the start's mistake: plan shows the start stepping aside on it.
    const read = strictOptions([...lead.ours, ...own.ours], env)
    const common = { ...base, mode, program: read.ours.exec ?? 'dockerd', ours: read.ours, warnings: read.warnings, subcommandArgs: own.rest }
    if (!target) return { ...common, dockerdArgs: words }
    const started = readOptionsLenient([...lead.ours, ...own.ours, ...leading.ours, ...target.ours], env)
    const program = target.program ?? started.ours.exec ?? 'dockerd'
    const at = { ...common, program, ours: started.ours, dockerdArgs: target.args, leadArgs: target.lead, argvGiven: end >= 0 }
    if (!target.forDockerd) return { ...at, reason: target.why ?? 'not dockerd', warnings: [...at.warnings, ...unusedBridge([...leading.ours, ...target.ours], program, started)] }
    const problems = [...started.errors, ...started.warnings]
    // The hand-over count a start would read (plan of `DOCKERD_WRAPPED_BY_AUTONET=1 … --`).
    const aside = asideReason(target.args, started.ours, problems, env)
    const reason = aside?.reason ?? null
    if (started.bridgeError && (aside === null || aside.keepsBridge)) {
      throw new UsageError(`${started.bridgeError}; a start would not start ${program}: without its own bridge a second daemon would share docker0 with the first`)
    }
    if (reason === null) return at
    // The start logs each problem on its own line; plan has only its reason to say them.
    if (reason === NOT_UNDERSTOOD) return { ...at, reason: `${reason}: ${problems.join('; ')}`, bridge: started.bridge }
    return { ...at, reason, bridge: aside!.keepsBridge ? started.bridge : null }
  }
  const target = startTarget(first, rest, argv.slice(i), env)
  const mine = [...lead.ours, ...target.ours]
  const read = readOptionsLenient(mine, env)
  const ours = read.ours
  const program = target.program ?? ours.exec ?? 'dockerd'
  const common = { ...base, program, ours, warnings: read.warnings }
  if (!target.forDockerd) {
    const warnings = [...read.warnings, ...unusedBridge(mine, program, read)]
    return { ...common, mode: 'exec', dockerdArgs: target.args, warnings, reason: target.why ?? 'not dockerd', notable: target.why !== undefined, ...errorOf(read) }
  }
  // An unknown variable steps aside as a bad option does (point 3): it may have meant anything.
  const aside = asideReason(target.args, ours, [...read.errors, ...read.warnings], env)
  const reason = aside?.reason ?? null
  const handover = handovers(env) + 1
  if (read.bridgeError && (aside === null || aside.keepsBridge)) {
    // Point 5: without a name dockerd would start on docker0, the first daemon's bridge.
    throw new UsageError(`${read.bridgeError}; not starting ${program}: without its own bridge a second daemon would share docker0 with the first`)
  }
  if (reason === null) return { ...common, mode: 'run', dockerdArgs: target.args, leadArgs: target.lead, bridge: read.bridge, handover }
  // Stepping aside: the program gets exactly the user's words, plus a second daemon's bridge
  // when dockerd will really start with them (point 5).
  const bridge = aside!.keepsBridge ? read.bridge : null
  return { ...common, mode: 'exec', dockerdArgs: [...target.lead, ...target.args], reason, notable: aside!.notable, bridge, handover, ...errorOf(read) }
}

/** The reason a start gives for stepping aside on a mistake in our options (point 3). */
const NOT_UNDERSTOOD = 'options not understood'
/** The reason a start gives for --autonet-disable. */
const DISABLED = 'disabled'

/**
 * Why a start steps aside for dockerd's argv `args` before reading anything, or null: started
 * by dockerd-autonet already (hand-overs in `env`, handover.ts), disabled, no daemon to start
 * (`--version`), dockerd will refuse the argv (`notable`: worth a warning), our options not
 * understood (`problems`: bad options, unknown variables, each already a line). `keepsBridge`:
 * dockerd still starts as the user asked, so a second daemon keeps its bridge (point 5).
 */
function asideReason(args: readonly string[], ours: AutonetOptions, problems: readonly string[], env: Env): { reason: string, notable: boolean, keepsBridge: boolean } | null {
  if (handovers(env) > 0) return { reason: `${WRAPPED_VAR}=${env[WRAPPED_VAR]}: dockerd-autonet already planned this dockerd, nothing planned again`, notable: false, keepsBridge: true }
  if (ours.disable && !problems.length) return { reason: DISABLED, notable: false, keepsBridge: true }
  // `dockerd --version` (the dind image's shim sees it too) starts no daemon: nothing to plan or apply.
  if (asksOnlyForInfo(args)) return { reason: 'no daemon to start (version, help or validate)', notable: false, keepsBridge: false }
  const refusal = refusedArgv(args)
  if (refusal) return { reason: `${refusal}: nothing planned or applied`, notable: true, keepsBridge: false }
  return problems.length ? { reason: NOT_UNDERSTOOD, notable: false, keepsBridge: true } : null
}

/**
 * The line to warn with when a second daemon's bridge was asked for in the words `mine`
 * (--autonet-bridge, or a look-alike meant as it) before a foreign `program`: we start no
 * dockerd, so none gets --bridge=NAME from us (point 5 holds only for a dockerd we start). The
 * variable needs no line: the program's environment keeps it, and a dockerd it starts through
 * the image's shim reads it again.
 */
function unusedBridge(mine: readonly string[], program: string, read: Pick<OptionsRead, 'bridge'>): string[] {
  const word = mine.find((w) => meantOption(w)?.name === 'bridge')
  if (word === undefined) return []
  const asked = read.bridge === null ? word : `--bridge=${read.bridge}`
  return [`${word} is not used: ${program} is not dockerd, so no dockerd gets ${asked} from us (one it starts itself lands on docker0 unless told; DOCKERD_AUTONET_BRIDGE in its environment reaches a dockerd started through the image's shim)`]
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

function startTarget(first: string | undefined, rest: string[], fromFirst: string[], env: Env): StartTarget {
  if (first === undefined || first.startsWith('-')) {
    const t = takeOurs(fromFirst, { leadingOnly: false, plainValue: AMONG_FLAGS })
    return { program: null, forDockerd: true, args: t.rest, lead: [], ours: t.ours }
  }
  const name = basename(first)
  if (name === 'dockerd') {
    const t = takeOurs(rest, { leadingOnly: false, plainValue: AMONG_FLAGS })
    return { program: first, forDockerd: true, args: t.rest, lead: [], ours: t.ours }
  }
  if (name === DIND_ENTRYPOINT) {
    // The entrypoint's own rule, applied to its words as it gets them (ours taken out): no
    // arguments or a flag first -> dockerd with them; `dockerd` first -> that dockerd; anything
    // else is exec'd by the script ("$@"). Ours before that command are taken out too. A plain
    // word after one of ours is its value among dockerd's flags, and where it would be the
    // command only when it names no program.
    const asHead = programOrNot(env)
    const entry: PlainValue = (word, before) => before.length === 0 ? asHead(word, before) : before[0].startsWith('-') || before[0] === 'dockerd'
    const t = takeOurs(rest, { leadingOnly: false, plainValue: entry })
    const [head] = t.rest
    if (head === undefined || head.startsWith('-')) return { program: first, forDockerd: true, args: t.rest, lead: [], ours: t.ours }
    if (head === 'dockerd') return { program: first, forDockerd: true, args: t.rest.slice(1), lead: ['dockerd'], ours: t.ours }
    const before = takeOurs(rest, { leadingOnly: true, plainValue: asHead })
    return { program: first, forDockerd: false, args: before.rest, lead: [], ours: [...before.ours, ...dryRunsIn(before.rest)], why: `not dockerd: ${first} runs ${head}` }
  }
  // Any other program (sh, a script of yours) gets its arguments exactly; ours count only before
  // it, but a dry run among them still starts nothing (point 1).
  return { program: first, forDockerd: false, args: rest, lead: [], ours: dryRunsIn(rest) }
}

/**
 * The dry runs of ours (isOurs, meantOption dry-run, not clearly false) among a foreign
 * program's words: they stay its words, yet nothing may start on them (point 2).
 */
function dryRunsIn(words: readonly string[]): string[] {
  return takeOurs(words, { leadingOnly: false }).ours.filter((w) => {
    const eq = w.indexOf('=')
    return meantOption(w)?.name === 'dry-run' && !isClearlyFalse(eq < 0 ? 'true' : w.slice(eq + 1))
  })
}

/**
 * Our words out of `words`: each as `--autonet-NAME[=VALUE]`, the next word joined as its value
 * when it is one (a mistake of ours, value and all, never becomes the program or one of its
 * arguments: point 3). Which next word is the value, for a word of ours without `=`:
 * - a valued option (`--autonet-max-mtu`, or a look-alike meant as one): any word but a flag
 *   dockerd knows or one of ours (leftForOthers): `9000`, `-5`, `jumbo`, even `sh`;
 * - a switch (`--autonet-debug`, or a look-alike meant as one) and a word of ours meant as no
 *   option (`--autonet-mtu`: closestOption found none): only a word that looks like a value
 *   (looksLikeValue: `true`, `no`, `1400`, `-5`, `26.1.5`, `br-ci=10.99.0.1/24`), or a plain
 *   word (`auto`, `enabled`, `sh`) where `plainValue` says it is no program: always among
 *   dockerd's flags (dockerd refuses a positional word, so it can only be our mistake's value),
 *   and where it would become the program only when it names none (programOrNot: `auto`, not on
 *   PATH, is a value; `sh` stays the program). Without `plainValue`, a plain word stays.
 * `leadingOnly` stops at the first word that is not ours; otherwise ours are taken wherever
 * they stand.
 */
function takeOurs(words: readonly string[], o: { leadingOnly: boolean, plainValue?: PlainValue }): { ours: string[], rest: string[] } {
  const ours: string[] = []
  const rest: string[] = []
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    if (!isOurs(w)) {
      if (o.leadingOnly) { rest.push(...words.slice(i)); break }
      rest.push(w)
      continue
    }
    const spec = meantOption(w)
    const next = words[i + 1]
    const value = w.includes('=') || next === undefined ? false
      : spec?.value !== undefined ? !leftForOthers(next)
      : looksLikeValue(next) || (isPlainWord(next) && (o.plainValue?.(next, rest) ?? false))
    if (value) {
      ours.push(`${w}=${next}`)
      i++
    } else {
      ours.push(w)
    }
  }
  return { ours, rest }
}

/**
 * Whether a plain word after a word of ours (takeOurs) is that word's value; `rest`: the words
 * not ours before it, in order.
 */
type PlainValue = (word: string, rest: readonly string[]) => boolean

/** A word that is neither a flag (dockerd's, ours, or a bad one) nor one of ours: a program, an argument, or a value. */
function isPlainWord(word: string): boolean {
  return !word.startsWith('-') && !isOurs(word)
}

/** Among dockerd's flags a plain word is a positional dockerd refuses: it can only be a value of ours. */
const AMONG_FLAGS: PlainValue = () => true

/**
 * Where a plain word would be the program (after our leading options): a value of ours only when
 * it names no program: not one of our subcommands, not dockerd or the dind entrypoint, and not
 * found as a shell finds it on `env`'s PATH (resolve-command.ts). Only asked after a word of ours
 * that takes no value, so the common start reads no file for it.
 */
function programOrNot(env: Env): PlainValue {
  return (word) => {
    if (Object.hasOwn(SUBCOMMANDS, word) || ['dockerd', DIND_ENTRYPOINT].includes(basename(word))) return false
    return 'code' in resolveCommand(word, env.PATH, null)
  }
}

/**
 * A word a valued option of ours leaves as it is: a flag dockerd knows (`--debug`, `-H`, `--`)
 * or one of ours (isOurs, a typographic dash's too). Any other word is its value, even `-5` or
 * `-`: dockerd would refuse it, and our mistake must not stop dockerd (point 3).
 */
function leftForOthers(word: string): boolean {
  return isOurs(word) || (word.length > 1 && word.startsWith('-') && unknownFlag([word]) === null)
}

/**
 * A word that reads as a value, not as a program or a flag: a switch word (switchWord, trimmed),
 * a word starting with a digit or with `-` and a digit (`1400`, `26.1.5`, `-5`), or a word not
 * starting with `-` that has `=` in it (`br-ci=10.99.0.1/24`); never a word leftForOthers leaves
 * (dockerd's flag or ours). A program named so (`true`, `7z`, `A=b`) is taken for a value: the
 * option before it was a mistake of ours, and dockerd starts (point 3) rather than that program.
 */
function looksLikeValue(word: string): boolean {
  if (leftForOthers(word)) return false
  return switchWord(word.trim()) !== null || /^-?[0-9]/.test(word) || (!word.startsWith('-') && word.includes('='))
}

/**
 * True when dockerd is asked only to print its version or help, or to check its configuration:
 * --version, --help or --validate set true in any spelling pflag reads (`-v`, `-Dv`,
 * `--version=TRUE`, `-h=t`; parseDockerdFlags), before a lone `--`.
 */
function asksOnlyForInfo(flags: readonly string[]): boolean {
  return parseDockerdFlags(flags).some((f) => INFO_FLAGS.has(f.name) && isTrue(f.value))
}

/** dockerd's flags that print something and exit, starting no daemon. */
const INFO_FLAGS = new Set(['version', 'help', 'validate'])

/**
 * dockerd's argv when we step aside (bad options, detection or the plan failed): the user's, plus
 * `--bridge=NAME` for a second daemon's bridge (contract point 5) unless the user's argv or
 * daemon.json already names a bridge or sets its address (ownBridgeChoice: dockerd refuses -b
 * with --bip). An empty daemon.json "bridge" names none (docker0) yet clashes with the flag
 * (fileBridgeClash): --bridge=NAME is passed all the same, for dockerd to refuse rather than start
 * on docker0. Returns the argv and the line to log about --bridge, if any.
 */
export function fallbackArgs(inv: Pick<Invocation, 'dockerdArgs' | 'bridge'>, daemonJson: Record<string, unknown> | null): { args: string[], note: string | null } {
  const args = [...inv.dockerdArgs]
  if (inv.bridge === null) return { args, note: null }
  const own = ownBridgeChoice({ flags: parseDockerdFlags(args), daemonJson })
  if (own?.key === 'bridge') return { args, note: `not passing --bridge=${inv.bridge} (--autonet-bridge): ${own.text} stands` }
  if (own) return { args, note: `not passing --bridge=${inv.bridge} (--autonet-bridge): ${own.text} stands (dockerd refuses -b with --${own.key})` }
  const end = args.indexOf('--')
  args.splice(end < 0 ? args.length : end, 0, `--bridge=${inv.bridge}`)
  const clash = fileBridgeClash(daemonJson, inv.bridge)
  if (clash) return { args, note: `keeping --bridge=${inv.bridge} (--autonet-bridge): a second daemon must not land on docker0, where ${clash.text} leaves it; dockerd will refuse the flag next to that key ("specified both as a flag and in the configuration file"): ${clash.fix}` }
  return { args, note: `keeping --bridge=${inv.bridge} (--autonet-bridge): a second daemon must not land on docker0; dockerd fails loudly if ${inv.bridge} does not exist or is not a bridge` }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/**
 * What a start does when readInvocation itself fails (a bug of ours, never the user's input):
 * the command line read the plainest way, so that our bug does not keep dockerd down (contract
 * point 3). Our words (`isOurs`) are taken out and nothing else: the first word left names the
 * program unless it is a flag (then dockerd), and it gets the rest exactly. Nothing is planned.
 * A dry run in any spelling we can see without the parser (a word or a DOCKERD_AUTONET_* /
 * look-alike variable whose name has "dryrun" in it, not clearly false) starts nothing.
 * @returns null where no start is safe without the parser: one of our subcommands (`plan`…:
 *   nothing to start), or a second daemon's bridge asked for (a word or variable with "bridge"
 *   in its name, not "bridge-mac"), which without its name would land on docker0 (point 5). Pure; never throws.
 */
export function fallbackInvocation(argv: readonly string[], env: Env): Invocation | null {
  // (The dry-run and bridge checks read `mine`, our words alone, without their values.)
  const ours = defaultOptions()
  const mine = argv.filter((w) => isOurs(w))
  const vars = Object.keys(env).filter((k) => LOOKALIKE_VARIABLE.test(k) && (env[k] ?? '').trim() !== '')
  // --autonet-no-bridge-mac (the MAC pin) names no second daemon's bridge.
  const asks = (name: string, word: string) => squash(name).replace('bridgemac', '').includes(word)
  const named = (word: string) => mine.some((w) => asks(w.split('=')[0], word)) || vars.some((k) => asks(k, word))
  const falseDryRun = vars.some((k) => squash(k).includes('dryrun') && isClearlyFalse(env[k]!))
  ours.dryRun = named('dryrun') && !falseDryRun
  const rest = plainRest(argv)
  if (named('bridge') || (rest[0] !== undefined && Object.hasOwn(SUBCOMMANDS, rest[0]))) return null
  const program = rest[0] === undefined || rest[0].startsWith('-') ? 'dockerd' : rest[0]
  const dockerdArgs = program === 'dockerd' && rest[0] !== 'dockerd' ? rest : rest.slice(1)
  return {
    mode: 'exec', program, dockerdArgs, leadArgs: [], subcommandArgs: [], ours, warnings: [], bridge: null,
    handover: handovers(env) + 1, reason: 'the command line could not be read (a bug of ours)', notable: true,
  }
}

/**
 * `argv` with our words out, each with the value takeOurs would give it (`--autonet-max-mtu
 * 9000`, `--autonet-mtu 1400`: the value never becomes the program, point 3); when takeOurs
 * itself throws (the bug the fallback is for may be there), our words alone are taken out.
 */
function plainRest(argv: readonly string[]): string[] {
  try {
    return takeOurs(argv, { leadingOnly: false }).rest
  } catch {
    return argv.filter((w) => !isOurs(w))
  }
}
