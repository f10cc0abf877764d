/**
 * The one way the read side runs a program (`ip`, `conntrack`, `dockerd --version`): a `Runner`
 * that never throws, so each reader decides what a failure means for the fact it wanted.
 * Tests inject a fake runner that replays recorded output.
 */
import { execa } from 'execa'

/** What a finished command left behind. */
export interface RunResult {
  stdout: string
  stderr?: string
  /**
   * Exit status. Failures that have none are mapped the way a shell reports them, so readers
   * need only one field: 127 = could not start (not installed, not executable), 124 = timed out.
   */
  exitCode: number
}

/** Runs `cmd args…` without a shell and resolves with its output; must not reject. */
export type Runner = (cmd: string, args: string[]) => Promise<RunResult>

/** Exit code used when the program could not be started (as sh does for "command not found"). */
export const EXIT_NOT_STARTED = 127
/** Exit code used when the program was killed for running too long (as timeout(1) does). */
export const EXIT_TIMED_OUT = 124

/**
 * A Runner backed by execa. Each command is killed after `timeoutMs` milliseconds, because the
 * wrapper sits in front of dockerd: a hung `conntrack` must delay dockerd's start by seconds, not
 * forever. Output is taken as UTF-8 and not stripped of its final newline beyond execa's default.
 */
export function execaRunner(timeoutMs = 10_000): Runner {
  return async (cmd, args) => {
    try {
      const r = await execa(cmd, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' })
      if (r.timedOut) return { stdout: String(r.stdout ?? ''), stderr: `timed out after ${timeoutMs} ms`, exitCode: EXIT_TIMED_OUT }
      if (r.exitCode === undefined) {
        // Spawn failures (ENOENT, EACCES) carry no exit status; keep execa's own wording.
        return { stdout: '', stderr: r.shortMessage ?? String(r.code ?? 'could not start'), exitCode: EXIT_NOT_STARTED }
      }
      return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode }
    } catch (e) {
      // execa with reject:false should not throw; this keeps the Runner contract if it ever does.
      return { stdout: '', stderr: (e as Error).message, exitCode: EXIT_NOT_STARTED }
    }
  }
}

/** The Runner used when a reader is not given one: execa, 10 s per command. */
export const defaultRunner: Runner = execaRunner()

/**
 * One line saying why a command did not give us what we wanted, naming the command, e.g.
 * "`ip -j -4 route show table all` failed (exit 1: Option "-j" is unknown)". Only the first
 * line of stderr is kept: usage texts (busybox prints one) would drown the log.
 */
export function describeFailure(cmd: string, args: string[], r: RunResult): string {
  const what = `\`${[cmd, ...args].join(' ')}\``
  const first = (r.stderr ?? '').split('\n').map((l) => l.trim()).find((l) => l !== '') ?? ''
  if (r.exitCode === EXIT_NOT_STARTED) return `${what} could not be run (${first || 'not found'})`
  if (r.exitCode === EXIT_TIMED_OUT) return `${what} timed out`
  return `${what} failed (exit ${r.exitCode}${first ? `: ${first}` : ''})`
}
