/**
 * The CLI: read the command line (invocation.ts), then run dockerd with a plan, exec a command
 * untouched, or answer a subcommand (plan, snapshot, doctor, help, version).
 *
 * Fail open: in run mode any failure of reading, planning or applying is logged and dockerd
 * starts with the user's arguments unchanged; our own trouble never keeps dockerd down.
 *
 * Start-up is benchmarked: only routing, the logger and formatting are imported up front; the
 * reader, planner, appliers, exec and yargs are imported when a mode needs them.
 */
import { readFileSync } from 'node:fs'
import { ENTRYPOINT_EXEC_WORDS, entrypointFlags } from '../dockerd/entrypoint-flags.js'
import { createLogger, type Logger } from '../log.js'
import type { Action, MachineState, Plan, PlanOptions } from '../model.js'
import type { ReadMachineStateOptions } from '../read/machine-state.js'
import { formatAside, formatPlan, planJson, quoteCommand } from './format-plan.js'
import { handovers, MAX_HANDOVERS, WRAPPED_VAR, withHandovers } from './handover.js'
import { fallbackArgs, fallbackInvocation, readInvocation, type Invocation } from './invocation.js'
import { type Env } from './options.js'
import { execBlocked } from './exec-check.js'
import { readRawArgv, type RawArg } from './raw-argv.js'
import { readOptions, versionNote } from './read-options.js'
import { asStarted, steppedAside } from './start-decision.js'
import { UsageError } from './usage-error.js'

/** What main needs from the rest of the program; tests replace any of them. */
export interface MainDeps {
  /** Read this machine (never throws for machine facts; they go to state.read_errors). */
  readState(opts: ReadMachineStateOptions): Promise<MachineState>
  /** The pure planner. */
  plan(state: MachineState, opts: PlanOptions): Plan | Promise<Plan>
  /** Apply a plan's actions; logs and swallows each action's failure. */
  applyActions(actions: Action[], log: Logger): Promise<void>
  /**
   * Replace this process with `cmd` (or run it and return the code to exit with).
   * `resident`: run it as a child and stay, even where execve is available (the conntrack watch).
   * `raw`: the user's arguments that are not UTF-8, whose bytes go back where they stand (raw-argv.ts).
   */
  exec(cmd: string, args: string[], opts: { env: Env, log: Logger, resident?: boolean, raw?: readonly RawArg[] }): Promise<number>
  /**
   * Why `cmd` cannot be run (not found, not executable), or null when it can: checked before
   * anything is applied. Defaults to exec-dockerd.ts's own lookup when `exec` is the default; a
   * replaced `exec` without a replaced `canRun` is taken to run anything.
   */
  canRun?(cmd: string, env: Env): Promise<string | null>
  /** How the command line is read (tests replace it to stand for a bug of ours); default readInvocation. */
  readInvocation?(argv: readonly string[], env: Env): Invocation
  /** Start the conntrack watch (--autonet-conntrack-watch) for dockerd run with `argv`; null when it cannot run. */
  conntrackWatch(o: { argv: string[], daemonJson: Record<string, unknown> | null, log: Logger }): Promise<{ stop(): Promise<void> } | null>
  /**
   * Most reading the machine may take on the start path, in ms (default READ_DEADLINE_MS): past
   * it, detection counts as failed, the commands still running are killed, and dockerd starts
   * with the user's arguments.
   */
  readDeadlineMs?: number
  /** Room for one exec's strings, in bytes (default exec-limits.ts execRoom: from this process's stack limit). */
  execRoom?(): number
  /** Where plan, snapshot, help, version and --autonet-dry-run print their result. */
  stdout(text: string): void
  /** Where log lines go when no `log` is given. */
  stderr(text: string): void
  /** The log; by default `dockerd-autonet:` lines on `stderr`, debug lines with --autonet-debug. */
  log?: Logger
}

/**
 * The start path's bound on reading the machine as a whole, in ms: the readers run side by side,
 * each command bounded at 10 s, then the opt-in probe (at most 10 s); 25 s covers both with room.
 */
export const READ_DEADLINE_MS = 25_000

/** Exit code when the loop guard stops a chain (handover.ts): as a shell's for a command it cannot find. */
export const EXIT_LOOP = 127

/** Exit code of plan/snapshot when our own code failed (sysexits EX_SOFTWARE). */
export const EXIT_INTERNAL = 70

const DEFAULT_DEPS: MainDeps = {
  readState: async (o) => (await import('../read/machine-state.js')).readMachineState(o),
  plan: async (s, o) => (await import('../plan/index.js')).planFromState(s, o),
  applyActions: async (actions, log) => {
    const [{ applyActions }, { defaultAppliers }, { APPLY_DEADLINE_MS, deadlineRunner }] = await Promise.all([
      import('../apply/apply-actions.js'), import('../apply/appliers.js'), import('../tools/runner.js')])
    // One deadline for every action's commands together (a hung iptables, N conntrack -D).
    const deadline = Date.now() + APPLY_DEADLINE_MS
    await applyActions(actions, { log, appliers: defaultAppliers(log, deadlineRunner(deadline)), deadline })
  },
  exec: async (cmd, args, o) => (await import('../apply/exec-dockerd.js')).execDockerd(cmd, args, { env: o.env, log: o.log, raw: o.raw, execve: o.resident ? null : undefined }),
  conntrackWatch: async ({ argv, daemonJson, log }) => {
    const [{ dockerApiSocket }, { startConntrackWatch }] = await Promise.all([
      import('../dockerd/engine-api.js'), import('../apply/conntrack-watch.js')])
    const socket = dockerApiSocket(argv, daemonJson)
    if ('skip' in socket) { log.warn(`conntrack watch skipped: ${socket.skip}`); return null }
    return startConntrackWatch({ socketPath: socket.path, log })
  },
  canRun: async (cmd, env) => {
    const found = (await import('../apply/resolve-command.js')).resolveCommand(cmd, env.PATH)
    return 'code' in found ? found.message : null
  },
  stdout: (t) => { process.stdout.write(t) },
  stderr: (t) => { process.stderr.write(t) },
}

/**
 * Run the CLI for one command line.
 *
 * @param argv  arguments without node and script (`process.argv.slice(2)`)
 * @param env   the environment (`DOCKERD_AUTONET_*` defaults; handed on to dockerd as is)
 * @param overrides replacements for the default dependencies (tests)
 * @returns the code to exit with (see `dockerd-autonet --help`); in run mode with execve it
 *   does not return at all. Never rejects for expected failures.
 */
export async function main(argv: readonly string[], env: Env, overrides: Partial<MainDeps> = {}): Promise<number> {
  const given = Object.entries(overrides).filter(([, v]) => v !== undefined)
  const deps: MainDeps = { ...DEFAULT_DEPS, ...Object.fromEntries(given) }
  if (overrides.exec !== undefined && overrides.canRun === undefined) deps.canRun = undefined
  // Read once, before anything else: the bytes of the shim's arguments that Node rewrote.
  const raw = readRawArgv(argv, env)
  const exec = deps.exec
  deps.exec = (cmd, args, o) => exec(cmd, args, { ...o, raw: o.raw ?? raw.raw })
  let inv: Invocation
  try {
    inv = (deps.readInvocation ?? readInvocation)(argv, env)
  } catch (err) {
    const log = deps.log ?? createLogger(deps.stderr)
    if (raw.warning) log.warn(raw.warning)
    if (err instanceof UsageError) { log.error(message(err)); return err.exitCode }
    // A bug of ours must not keep dockerd down (point 3): start it the plainest way we can.
    const plain = fallbackInvocation(argv, env)
    if (plain === null) throw err
    log.error(`internal error reading the command line: ${message(err)}; ${plain.ours.dryRun ? 'dry run: would start' : 'starting'} ${plain.program} with your arguments unchanged`)
    return execUnchanged(plain, env, deps, log)
  }
  const log = deps.log ?? createLogger(deps.stderr, inv.ours.debug)
  if (raw.warning) log.warn(raw.warning)
  const unchanged = `${inv.ours.dryRun ? 'dry run: would start' : 'starting'} ${inv.program} with your arguments unchanged`
  // A start steps aside on an unknown variable (invocation.ts, point 3): its one line says so,
  // unless a bad option's line below says it already.
  const stepsAside = inv.mode === 'exec' && !inv.optionError
  for (const line of inv.warnings) log.warn(stepsAside ? `${line}; ${unchanged}` : line)
  if (inv.optionError) log.error(`${inv.optionError}; ${unchanged}`)
  log.debug(`mode ${inv.mode}: ${quoteCommand([...(inv.program === null ? [] : [inv.program]), ...inv.dockerdArgs])}`)
  switch (inv.mode) {
    case 'run': return runWithPlan(inv, env, deps, log, raw.raw)
    case 'exec': return execUnchanged(inv, env, deps, log)
    case 'help': deps.stdout(await (await import('./commands.js')).helpText()); return 0
    case 'version': deps.stdout(`dockerd-autonet ${packageVersion()}\n`); return 0
    case 'plan': case 'snapshot': case 'doctor': return subcommand(inv, env, deps, log)
    case 'install': case 'uninstall': return (await import('../install/command.js'))
      .runInstallCommand(inv.mode, inv.subcommandArgs, env, { stdout: deps.stdout, stderr: deps.stderr, program: process.argv[1], dryRun: inv.ours.dryRun })
  }
}

/**
 * Read, plan, log each reason, apply, exec; on any failure exec with the user's arguments.
 * `raw`: the user's arguments that are not UTF-8 (raw-argv.ts), whose bytes the exec puts back.
 */
async function runWithPlan(inv: Invocation, env: Env, deps: MainDeps, log: Logger, raw: readonly RawArg[]): Promise<number> {
  const program = inv.program ?? 'dockerd'
  const userArgs = inv.dockerdArgs
  let plan: Plan | null = null
  let daemonJson: Record<string, unknown> | null = null
  let failure = ''
  try {
    // The commands the readers still wait on at the deadline are killed with it (runner.ts).
    const state = await (await import('../tools/runner.js')).withinDeadline((run) => deps.readState({ ...readOptions(inv, env, { withConntrack: inv.ours.plan.conntrackCleanup }), run }),
      deps.readDeadlineMs ?? READ_DEADLINE_MS, 'reading the machine')
    daemonJson = state.daemon_json ?? null
    // Contract point 4, decided as a dry run and `plan` decide it: dockerd will refuse to start.
    plan = await startPlan(inv, inv, state, deps, userArgs, inv.ours.plan)
  } catch (err) {
    failure = `detection failed: ${message(err)}`
    if (!inv.ours.dryRun) log.error(`${failure}; starting ${program} with your arguments unchanged`)
  }
  // Stepping aside keeps the user's words, and a second daemon's bridge (invocation.ts, point 5).
  const fallback = fallbackArgs(inv, daemonJson ?? (plan ? null : await bridgeConfig(inv)))
  const command = (argv: string[]) => [program, ...inv.leadArgs, ...argv]
  let started = handedOver(inv, env)
  // Contract point 4: nothing changes on the machine unless dockerd is really going to run.
  const blocked = plan && !plan.error ? await execBlocked({ program, planned: [...inv.leadArgs, ...plan.args], unchanged: [...inv.leadArgs, ...fallback.args],
    between: entrypointExec(program, inv.leadArgs, env), env: started, raw }, deps.canRun, deps.execRoom?.()) : null
  if (inv.ours.dryRun) {
    // Contract point 2: print, never apply, never exec.
    // A plan with an error prints the command with the user's arguments: the fallback's.
    const shown = plan && blocked ? steppedAside(plan, userArgs, blocked.why) : plan
    deps.stdout(shown ? formatPlan(shown, shown.error ? fallback.args : userArgs, [program, ...inv.leadArgs])
      : formatAside(failure, command(fallback.args)))
    return 0
  }
  let args = fallback.args
  let keepRaw = true
  if (blocked) {
    log[blocked.level](`${blocked.why}${blocked.then}`)
    plan = null
    keepRaw = !blocked.lossy
    if (blocked.withoutHandover) started = { ...started, [WRAPPED_VAR]: undefined }
  }
  if (plan) {
    // Reasons are for what is passed and done: stepping aside, none is (trial 7: "--mtu=1450: …"
    // before the error read as if applied).
    if (!plan.error) for (const line of plan.reasons) log.info(line)
    // A warning the step-aside's error repeats is said once, in the error.
    for (const line of plan.warnings) if (!plan.error?.startsWith(line)) log.warn(line)
    if (plan.error) {
      // The planner's contract: an error means something asked of us cannot be done, so we
      // step aside entirely rather than do half of it.
      log.error(`${plan.error}; starting ${program} with your arguments unchanged`)
    } else {
      try {
        await deps.applyActions(plan.actions, log)
      } catch (err) {
        log.warn(`applying actions failed: ${message(err)}; starting ${program} anyway`)
      }
      args = plan.args
    }
  }
  if (args === fallback.args && fallback.note) log.warn(fallback.note)
  log.info(`starting: ${quoteCommand(command(args))}`)
  const lossy = keepRaw ? {} : { raw: [] }
  if (!inv.ours.conntrackWatch) return deps.exec(program, [...inv.leadArgs, ...args], { env: started, log, ...lossy })
  // The watch follows dockerd's events from this process, so dockerd runs as our child.
  // Its socket is where dockerd listens: the dind entrypoint puts its own --host flags first.
  const listens = [...entrypointFlags(program, inv.leadArgs, env, process.geteuid?.()), ...args]
  const watch = await deps.conntrackWatch({ argv: listens, daemonJson, log }).catch((err) => {
    log.warn(`conntrack watch not started: ${message(err)}`)
    return null
  })
  try {
    return await deps.exec(program, [...inv.leadArgs, ...args], { env: started, log, resident: watch !== null, ...lossy })
  } finally {
    await watch?.stop()
  }
}

/** A foreign command or --autonet-disable: exec exactly what was given. */
async function execUnchanged(inv: Invocation, env: Env, deps: MainDeps, log: Logger): Promise<number> {
  const program = inv.program ?? 'dockerd'
  const { args, note } = fallbackArgs(inv, await bridgeConfig(inv))
  const command = quoteCommand([program, ...args])
  if (inv.ours.dryRun) {
    deps.stdout(formatAside(inv.reason ?? 'pass-through', [program, ...args]))
    return 0
  }
  if (inv.handover !== null && inv.handover > MAX_HANDOVERS) {
    // Only a loop comes this far (handover.ts): running anything would go round once more. The
    // value is named as set (`0004`, `100`), as image/dockerd-shim.sh names it.
    log.error(`${WRAPPED_VAR}=${env[WRAPPED_VAR]}: dockerd-autonet has handed this dockerd on ${MAX_HANDOVERS} times or more, which only a loop does ` +
      `(is ${program} dockerd-autonet itself, or a script that starts it?); not starting ${program}`)
    return EXIT_LOOP
  }
  if (note) log.warn(note)
  // A reason that is not routine (dockerd will refuse a positional word) is worth a line without --autonet-debug.
  if (inv.notable) log.warn(`${inv.reason}; exec ${command} unchanged`)
  else log.debug(`${inv.reason ?? 'pass-through'}: exec ${command} unchanged`)
  return deps.exec(program, args, { env: handedOver(inv, env), log })
}

/**
 * daemon.json as dockerd will read it, where a second daemon's bridge is asked for and nothing
 * else read it: its "bridge", "bip" or "bip6" wins over --bridge=NAME (fallbackArgs, contract
 * point 5), or dockerd refuses a setting given both ways (trial 6: under --autonet-disable, a
 * hand-over or a bad option). Null when no bridge is asked for, or the file cannot be read (then
 * --bridge=NAME stays: dockerd uses NAME, or fails on the file itself).
 */
async function bridgeConfig(inv: Invocation): Promise<Record<string, unknown> | null> {
  if (inv.bridge === null) return null
  const { configFileFromArgv, configFilePath, readDaemonConfig } = await import('../dockerd/config-file.js')
  const args = [...inv.dockerdArgs]
  const read = await readDaemonConfig(configFilePath(args), { explicit: configFileFromArgv(args) !== null })
  return read.error === null ? read.config : null
}

/** What the dind entrypoint adds on its way to dockerd, when `program` is it (exec-check.ts `between`). */
function entrypointExec(program: string, lead: readonly string[], env: Env): string[] {
  const added = entrypointFlags(program, lead, env, process.geteuid?.())
  return added.length ? [...ENTRYPOINT_EXEC_WORDS, ...added] : []
}

/** The environment of the program started: the user's NODE_OPTIONS back, and the hand-over count when it runs dockerd (handover.ts). */
function handedOver(inv: Invocation, env: Env): Env {
  return withHandovers(env, inv.handover)
}

/** `plan [--state FILE] [--json]` and `snapshot`: print, never exec. */
async function subcommand(inv: Invocation, env: Env, deps: MainDeps, log: Logger): Promise<number> {
  try {
    const { parseSubcommandArgs } = await import('./commands.js')
    const sub = await parseSubcommandArgs(inv.mode as 'plan' | 'snapshot' | 'doctor', inv.subcommandArgs)
    if ('help' in sub) {
      deps.stdout(sub.help)
      return 0
    }
    if (inv.mode === 'doctor') {
      // Exit 0 healthy, 1 problems found, 2 could not check (src/doctor). Awaited here, so that
      // a throw of ours in it is this catch's internal error (70), not a rejection of main.
      return await (await import('../doctor/command.js')).runDoctor({ json: sub.json },
        { readState: (argv) => deps.readState({ ...readOptions(inv, env, { withConntrack: true }), argv }), stdout: deps.stdout })
    }
    if (inv.mode === 'snapshot') {
      let state = await deps.readState(readOptions(inv, env, { withConntrack: true, wholeMachine: true }))
      if (sub.anonymize) state = (await import('../snapshot/anonymize.js')).anonymizeState(state).state
      deps.stdout(JSON.stringify(state, null, 2) + '\n')
      return 0
    }
    const command = [inv.program ?? 'dockerd', ...inv.leadArgs]
    const print = (plan: Plan, human: string) => deps.stdout(sub.json ? JSON.stringify(planJson(plan), null, 2) + '\n' : human)
    if (inv.reason !== undefined) {
      // `plan -- WORDS` where a start would step aside before reading anything (invocation.ts).
      const argv = [...inv.leadArgs, ...fallbackArgs(inv, await bridgeConfig(inv)).args]
      print(steppedAside(null, argv, inv.reason), formatAside(inv.reason, [command[0], ...argv]))
      return 1
    }
    let state: MachineState
    if (sub.state !== undefined) {
      state = await (await import('./state-file.js')).readStateFile(sub.state)
      // `plan --state FILE -- ARGS`: what if dockerd were given ARGS on that machine.
      if (inv.argvGiven) state = { ...state, argv: inv.dockerdArgs }
    } else {
      state = await deps.readState(readOptions(inv, env, { withConntrack: inv.ours.plan.conntrackCleanup }))
    }
    // Where a start would step aside after reading (start-decision.ts), plan shows that instead.
    let plan = await startPlan(sub.state === undefined ? inv : null, inv, state, deps, state.argv ?? [], inv.ours.plan)
    // `plan -- WORDS` on this machine mirrors a start of WORDS, so also whether its exec could
    // happen (exec-check.ts). A bare `plan` shows the plan for the dockerd that would start here,
    // also where none is installed yet; a snapshot's PATH is not this machine's.
    // The environment as a start hands it on (the hand-over count included).
    const blocked = sub.state === undefined && inv.argvGiven && !plan.error ? await execBlocked({ program: command[0], planned: [...inv.leadArgs, ...plan.args],
      unchanged: [...inv.leadArgs, ...state.argv ?? []], between: entrypointExec(command[0], inv.leadArgs, env),
      env: withHandovers(env, inv.handover ?? handovers(env) + 1), raw: [] }, deps.canRun, deps.execRoom?.()) : null
    if (blocked) plan = steppedAside(plan, state.argv ?? [], blocked.why)
    print(plan, formatPlan(plan, state.argv ?? [], command))
    return plan.error ? 1 : 0
  } catch (err) {
    if (err instanceof UsageError) {
      log.error(err.message)
      return err.exitCode
    }
    log.error(`internal error: ${err instanceof Error && err.stack ? err.stack : message(err)}`)
    return EXIT_INTERNAL
  }
}

/**
 * The plan for `state` as a start of `start` (its program and lead words) carries it out
 * (asStarted), checked; `read` is the invocation whose reading gave `state` (null for a snapshot
 * file): why the version is unknown, if we did not ask.
 */
async function startPlan(read: Invocation | null, start: Invocation, state: MachineState, deps: MainDeps, argv: readonly string[], opts: PlanOptions): Promise<Plan> {
  const plan = checked(await deps.plan(state, opts))
  const note = read && !state.dockerd_version ? versionNote(read) : null
  return asStarted(note ? { ...plan, reasons: [note, ...plan.reasons] } : plan, state, argv, start)
}

/** A plan whose argv we can exec; anything else is a planner bug, handled like any failure. */
function checked(plan: Plan): Plan {
  if (!plan || !Array.isArray(plan.args) || !plan.args.every((a) => typeof a === 'string')) {
    throw new Error('planner returned no argument list')
  }
  return { ...plan, reasons: plan.reasons ?? [], warnings: plan.warnings ?? [], actions: plan.actions ?? [] }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function packageVersion(): string {
  // Two levels up from both src/cli (tests) and dist/cli (installed).
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}
