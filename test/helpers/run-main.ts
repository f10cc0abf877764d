/** main() with fakes for everything that touches the machine: what it exec'd, applied and logged. */
import { main, type MainDeps } from '../../src/cli/main.js'
import { memoryLogger } from '../../src/log.js'
import type { Action } from '../../src/model.js'
import { planFromState } from '../../src/plan/index.js'

/**
 * Runs main(argv) with `over` (readState at least) and the real planner unless replaced; nothing
 * is applied or exec'd for real. Returns the exit code, the commands exec'd, the actions applied
 * and the log lines.
 */
export async function runMain(argv: string[], over: Partial<MainDeps> & Pick<MainDeps, 'readState'>) {
  const log = memoryLogger()
  const execs: string[][] = []
  const applied: Action[] = []
  const code = await main(argv, {}, {
    plan: planFromState,
    applyActions: async (a) => { applied.push(...a) },
    exec: async (cmd, args) => { execs.push([cmd, ...args]); return 0 },
    conntrackWatch: async () => null,
    canRun: async () => null,
    stdout: () => {},
    log,
    ...over,
  })
  return { code, execs, applied, lines: log.lines }
}
