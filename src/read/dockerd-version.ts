/**
 * The version of the dockerd we are about to exec, from `dockerd --version`, so the planner can
 * tell which flags it accepts.
 */
import { defaultRunner, type Runner } from '../tools/runner.js'

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

/**
 * Runs `<cmd> --version` (default `dockerd`) and parses it. Returns null when the program is
 * missing, fails, takes longer than `timeoutMs` milliseconds, or prints no version; never throws.
 * `run` is the runner to start it with (default execFile; tests replace it).
 */
export async function readDockerdVersion(cmd = 'dockerd', timeoutMs = 2000, run: Runner = defaultRunner): Promise<string | null> {
  const r = await run(cmd, ['--version'], { timeoutMs })
  return r.exitCode === 0 ? parseDockerdVersion(r.stdout) : null
}
