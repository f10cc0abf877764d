/**
 * install's check of its own result: `dockerd --version` through the shim must reach the real
 * dockerd through dockerd-autonet and answer exactly as the real binary does. `--version`
 * starts no daemon and the wrapper passes it through unplanned (src/cli/invocation.ts), so the
 * check changes nothing on the machine.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileRunner, type RunResult } from '../tools/runner.js'
import { rebaseShim } from './shim.js'

/** Each of the two `--version` runs is cut off after this long (ms). */
const TIMEOUT_MS = 30_000

/** What failed, for the problem line: the exit status, or the cut-off. */
const failure = (r: RunResult) => r.timedOutAfterMs !== undefined ? `timed out after ${r.timedOutAfterMs} ms` : `exit ${r.exitCode}`

/**
 * Run `SHIM --version` and `REAL --version` and compare.
 *
 * @param root  the tree (`/`: the machine); under another root the shim runs from a temporary
 *              copy with its paths moved under `root` (rebaseShim), the only way to run it here
 * @param shim  the shim's image path; `real` the real dockerd's image path
 * @param env   the environment to run in (PATH must find node); our DOCKERD_AUTONET_* are
 *              dropped so that a dry-run or disable setting cannot fake the result
 * @returns `{ version }` (the real dockerd's `--version` line) when the check passed, else
 *   `{ problem }`: what went wrong, naming the shim or the binary
 */
export async function checkShim(root: string, shim: string, real: string, env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<{ version: string } | { problem: string }> {
  // The runner of the read side: a run cut off takes its whole process group along (a shell
  // dockerd's `sleep`, a wrapper's grandchild), where execFile would kill the child only.
  const runner = execFileRunner(opts.timeoutMs ?? TIMEOUT_MS, 1 << 20)
  const run = (file: string, args: string[], runEnv: NodeJS.ProcessEnv) => runner(file, args, { env: runEnv })
  const at = (p: string) => root === '/' ? p : join(root, p)
  const clean: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('DOCKERD_AUTONET_')))
  let runnable = at(shim)
  let temp: string | null = null
  if (root !== '/') {
    temp = mkdtempSync(join(tmpdir(), 'autonet-install-check-'))
    runnable = join(temp, 'dockerd')
    writeFileSync(runnable, rebaseShim(readFileSync(at(shim), 'utf8'), root), { mode: 0o755 })
  }
  try {
    const direct = await run(at(real), ['--version'], clean)
    if (direct.exitCode !== 0) return { problem: `the real dockerd ${real} --version failed (${failure(direct)}): ${(direct.stderr ?? '').trim()}` }
    const through = await run(runnable, ['--version'], { ...clean, DOCKERD_AUTONET_DEBUG: '1' })
    const version = direct.stdout.trim()
    if (through.exitCode !== 0) return { problem: `dockerd --version through the shim ${shim} failed (${failure(through)}): ${(through.stderr ?? '').trim()}` }
    if (through.stdout.trim() !== version) return { problem: `dockerd --version through the shim ${shim} printed ${JSON.stringify(through.stdout.trim())}, the real ${real} ${JSON.stringify(version)}` }
    const fallback = /^dockerd shim: .*$/m.exec(through.stderr ?? '')
    if (fallback) return { problem: `the shim ${shim} bypassed dockerd-autonet: ${fallback[0]}` }
    if (!/^dockerd-autonet: /m.test(through.stderr ?? '')) return { problem: `dockerd --version through the shim ${shim} answered, but dockerd-autonet did not run (no log line)` }
    return { version }
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true })
  }
}
