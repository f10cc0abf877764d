/**
 * `dockerd-autonet doctor [--json]`: read the running dockerds and this machine, diagnose,
 * print. Exit 0 healthy, 1 problems found, 2 could not check (no dockerd here, no links).
 */
import type { MachineState } from '../model.js'
import { diagnose, exitCodeOf } from './diagnose.js'
import { doctorReport, formatFindings } from './format.js'
import { readRunningDockerds } from './running.js'
import type { RunningDockerd } from './types.js'

export interface DoctorDeps {
  /** Reads the machine as a dockerd with `argv` would see it (conntrack included). */
  readState(argv: string[]): Promise<MachineState>
  /** The dockerds of this network namespace; default: from /proc. */
  readRunning?(): Promise<{ dockerds: RunningDockerd[], errors: string[] }>
  stdout(text: string): void
}

/** Runs the doctor once; returns its exit code. */
export async function runDoctor(opts: { json: boolean }, deps: DoctorDeps): Promise<number> {
  const running = await (deps.readRunning ?? readRunningDockerds)()
  // The machine as the first dockerd sees it: its argv decides its config file and bridge.
  const state = await deps.readState(running.dockerds[0]?.argv ?? [])
  const withErrors: MachineState = { ...state, read_errors: [...(state.read_errors ?? []), ...running.errors] }
  const findings = diagnose(withErrors, running.dockerds)
  deps.stdout(opts.json
    ? JSON.stringify(doctorReport(findings, running.dockerds), null, 2) + '\n'
    : formatFindings(findings))
  return exitCodeOf(findings)
}
