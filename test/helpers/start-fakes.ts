/**
 * Fakes for main()'s start path that record what it did: reads, applies and execs, in order,
 * with a planner that always adds `--mtu=1450` and one MSS clamp, so a test can see whether
 * anything was planned, applied or appended. Shared by the start-contract tests.
 */
import type { MainDeps } from '../../src/cli/main.js'
import { memoryLogger } from '../../src/log.js'
import type { Action, MachineState, Plan } from '../../src/model.js'
import { snapshotEnv } from '../../src/read/machine-state.js'

/** The one action the fake planner plans: an MSS clamp to 1450 bytes. */
export const clamp: Action = { type: 'clamp-mss', mtu: 1450, ipv6: false, reason: 'clamp MSS to 1450' }

/**
 * @param over replaces any of the fake dependencies
 * @param machine fields of the machine the fake reader returns (read_errors, daemon_json…);
 *   its env is main's, filtered as the real reader records it, unless `machine` sets one
 * @returns the deps to hand main(), the events ('read', 'apply', 'exec'), each exec'd command
 *   line, the logger, the log lines without debug ones, and what went to stdout
 */
export function startFakes(over: Partial<MainDeps> = {}, machine: Partial<MachineState> = {}) {
  const events: string[] = []
  const execs: string[][] = []
  const out: string[] = []
  const log = memoryLogger()
  const deps: Partial<MainDeps> = {
    readState: async (o) => { events.push('read'); return { links: [], routes4: [], routes6: [], daemon_json: null, argv: o.argv, env: snapshotEnv(o.env ?? {}), ...machine } },
    plan: (state: MachineState): Plan => ({ egress: 'eth0', mtu: 1450, args: [...state.argv!, '--mtu=1450'], warnings: [], reasons: [], error: null, actions: [clamp] }),
    applyActions: async () => { events.push('apply') },
    exec: async (cmd, args) => { execs.push([cmd, ...args]); events.push('exec'); return 0 },
    conntrackWatch: async () => null,
    stdout: (s) => { out.push(s) },
    log,
    ...over,
  }
  const lines = () => log.lines.filter((l) => !/ debug: /.test(l))
  return { deps, events, execs, log, lines, stdout: () => out.join('') }
}
