/**
 * Whether the exec a start ends with can happen as planned, decided before anything is applied
 * (contract point 4, invocation.ts): a program that cannot be run, or an exec the kernel would
 * refuse (E2BIG) once our flags are appended, fails after the machine has changed, and dockerd
 * never starts. The start, the dry run and a live `plan` ask the same question here, so what a
 * dry run prints is what a start does.
 *
 * On the start-up path: imports only exec-limits.ts, handover.ts, raw-argv.ts and resolve-command.ts.
 */
import { resolveCommand } from '../apply/resolve-command.js'
import { execRoom, execTooBig, PATH_MAX } from './exec-limits.js'
import { definedEnv, WRAPPED_VAR } from './handover.js'
import { rawRestore, type RawArg } from './raw-argv.js'

/** Why the planned exec cannot happen, as one sentence ending "nothing applied or appended". */
export interface ExecBlocked {
  why: string
  /** The log level of the start's line: a program that cannot run is an error, a size a warning. */
  level: 'error' | 'warn'
  /** Only Node's strings can go: the bytes of arguments that are not UTF-8 are not put back. */
  lossy: boolean
  /** What the start's line adds after `why` (the words dockerd gets). */
  then: string
  /**
   * Only without our hand-over count (DOCKERD_WRAPPED_BY_AUTONET, handover.ts) does the user's
   * exec fit: it is left out, so that our variable is not what keeps dockerd from starting.
   */
  withoutHandover?: boolean
}

/** What execBlocked needs to know about the exec to come. */
export interface PlannedExec {
  /** The program as given (a bare name is looked up on PATH at the exec). */
  program: string
  /** The program's words before dockerd's (the dind entrypoint's), then the planned arguments. */
  planned: readonly string[]
  /** The same exec with the user's arguments instead of the planned ones. */
  unchanged: readonly string[]
  /**
   * Words a program in between adds on the way to dockerd, counted in both: the flags
   * dockerd-entrypoint.sh puts ahead of the user's (entrypointFlags) and the `docker-init --
   * dockerd` it execs them with; none for a dockerd started directly.
   */
  between: readonly string[]
  /** The exec's environment, the hand-over count included (handover.ts). */
  env: Readonly<Record<string, string | undefined>>
  /** Arguments that are not UTF-8, whose bytes the exec puts back (raw-argv.ts); none for `plan`. */
  raw: readonly RawArg[]
}

/**
 * Why the exec `e` cannot happen as planned, or null when it can.
 * - `canRun(program, env)` (resolve-command.ts, through main's deps) says the program cannot be
 *   run: not found, not executable, a directory, its #! interpreter or ELF loader missing;
 * - with bytes to put back, the shell's exec that carries them (rawRestore) is past the kernel's
 *   limits, then dockerd gets Node's strings (`lossy`);
 * - else the planned exec is past them (exec-limits.ts execTooBig: MAX_ARG_STRLEN per string,
 *   the stack's quarter for all, fs/exec.c), measured with the program's path as the exec finds
 *   it (resolve-command.ts; at its longest, PATH_MAX, when not found) and the words a program in
 *   between adds (`between`). Whether the user's exec alone fits is said too.
 * `room`: bytes for one exec's strings (default execRoom, this process's stack limit).
 */
export async function execBlocked(e: PlannedExec, canRun: ((cmd: string, env: PlannedExec['env']) => Promise<string | null>) | undefined,
  room: number = execRoom()): Promise<ExecBlocked | null> {
  const cannot = canRun ? await canRun(e.program, e.env) : null
  if (cannot) return { why: `cannot run ${e.program} (${cannot}): nothing applied or appended`, level: 'error', lossy: false, then: '' }
  const env = definedEnv(e.env)
  // The file the exec is given, as the exec finds it; not found (a test's stand-in), its path at its longest.
  const found = resolveCommand(e.program, e.env.PATH)
  const file = 'path' in found ? found.path : e.program
  const fits = 'path' in found ? room : room - PATH_MAX
  const restore = e.raw.length > 0 ? rawRestore('/bin/sh', file, [...e.between, ...e.planned], e.raw, env, fits) : null
  const unchanged = `starting ${e.program} with your arguments unchanged`
  if (restore?.tooBig) {
    return { why: `cannot put back the bytes of your arguments that are not UTF-8: ${restore.tooBig}; nothing applied or appended`,
      level: 'warn', lossy: true, then: `, ${unchanged}, those as Node decoded them (U+FFFD)` }
  }
  // With bytes to put back the shell's exec is the one made, and the one measured.
  const tooBig = restore ? null : execTooBig(file, [e.program, ...e.between, ...e.planned], env, fits)
  if (!tooBig) return null
  const why = `cannot add our flags: ${tooBig}; nothing applied or appended`
  const user = [e.program, ...e.between, ...e.unchanged]
  if (!execTooBig(file, user, env, fits)) return { why, level: 'warn', lossy: false, then: `, ${unchanged}` }
  const { [WRAPPED_VAR]: _count, ...withoutCount } = env
  if (_count !== undefined && !execTooBig(file, user, withoutCount, fits)) {
    return { why, level: 'warn', lossy: false, withoutHandover: true, then: `, ${unchanged} and without ${WRAPPED_VAR}, which is what would not fit (the loop guard is off for this dockerd)` }
  }
  return { why, level: 'warn', lossy: false, then: `, ${unchanged} (your arguments alone do not fit either: the kernel will refuse that exec too)` }
}
