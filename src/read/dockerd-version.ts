/**
 * The version of the dockerd we are about to exec, from `dockerd --version`, so the planner can
 * tell which flags it accepts.
 */
import { defaultRunner, failureReason, type Runner } from '../tools/runner.js'

/**
 * The X.Y.Z release from `dockerd --version` output, or null when there is none.
 * "Docker version 20.10.24+dfsg1, build 5d6db84" → "20.10.24"; "Docker version 27.3.1, build
 * ce12230" → "27.3.1". Distribution suffixes (+dfsg1), pre-release tags (-rc.1) and the old
 * "-ce" are dropped so versions compare numerically; digits stay as printed ("17.03.2"). A dev
 * build ("Docker version dev") gives null.
 */
export function parseDockerdVersion(stdout: string): string | null {
  const m = /Docker version v?(\d+)\.(\d+)\.(\d+)/i.exec(stdout)
  return m ? `${m[1]}.${m[2]}.${m[3]}` : null
}

/** How long `dockerd --version` may take, in ms: it answers in about 25 ms; 2 s is a program that hangs. */
export const DOCKERD_VERSION_TIMEOUT_MS = 2000

/** What `<cmd> --version` gave: the version, or null and why there is none (for the log line). */
export interface DockerdVersionRead {
  version: string | null
  /** Why there is no version: "timed out after 2 s", "could not be run (dockerd: ENOENT)", …; null with a version. */
  problem: string | null
}

/**
 * Runs `<cmd> --version` (default `dockerd`) and parses it; never throws. No version when the
 * program is missing, fails, takes longer than `timeoutMs` milliseconds (it is killed then,
 * with whatever it started: runner.ts), or prints none; `problem` says which.
 * `run` is the runner to start it with (default execFile; tests replace it).
 */
export async function readDockerdVersion(cmd = 'dockerd', timeoutMs = DOCKERD_VERSION_TIMEOUT_MS, run: Runner = defaultRunner, env?: NodeJS.ProcessEnv): Promise<DockerdVersionRead> {
  const r = await run(cmd, ['--version'], { timeoutMs, env })
  if (r.exitCode !== 0) return { version: null, problem: failureReason(r) }
  const version = parseDockerdVersion(r.stdout)
  return version ? { version, problem: null } : { version: null, problem: 'its output names no version' }
}
