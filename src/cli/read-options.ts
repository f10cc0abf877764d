/**
 * What the machine reader is asked for one invocation (run, dry run, plan, snapshot, doctor):
 * dockerd's argv, the probe host, and whether and whom to ask `--version`.
 */
import { resolveCommand } from '../apply/resolve-command.js'
import { hasDefaultLikeRoute } from '../plan/egress.js'
import type { ReadMachineStateOptions } from '../read/machine-state.js'
import type { Invocation } from './invocation.js'
import { definedEnv, withHandovers } from './handover.js'
import type { Env } from './options.js'

/**
 * The reader's options for `inv`: dockerd's argv as the user gave it, and the program to ask its
 * version. `wholeMachine`: read every fact, also those no plan uses (`snapshot`).
 */
export function readOptions(inv: Invocation, env: Env, o: { withConntrack: boolean, wholeMachine?: boolean }): ReadMachineStateOptions {
  return {
    argv: [...inv.dockerdArgs], env, withConntrack: o.withConntrack, probeHost: inv.ours.probe,
    // What the plan cannot use is left unread, except for a snapshot, which records the machine.
    ipv6RulesNeeded: o.wholeMachine ? undefined : (routes6) => hasDefaultLikeRoute(6, routes6),
    // Only a dockerd is asked `--version`: an entrypoint script would run for real; the dockerd
    // on PATH answers for it, as that is the one the script starts. A bare name is looked up as
    // the exec looks it up, so that the real dockerd answers, not ourselves installed as dockerd.
    dockerdCommand: lookedUp(inv.program !== null && /(^|\/)dockerd$/.test(inv.program) ? inv.program : 'dockerd', env),
    // A version given in advance is a fact like any read one; only the probe is skipped.
    withVersion: inv.ours.dockerdVersion === null && !execsOwnProgram(inv), dockerdVersion: inv.ours.dockerdVersion,
    // As a program we start gets it: the shim's carriers out (README: never passed on).
    versionEnv: definedEnv(withHandovers(env, null)),
  }
}

/** `cmd` as resolveCommand finds it on env's PATH; as given when it names a path or is not found (the reader then says so). */
function lookedUp(cmd: string, env: Env): string {
  if (cmd.includes('/')) return cmd
  const found = resolveCommand(cmd, env.PATH)
  return 'path' in found ? found.path : cmd
}

/**
 * The reason line for a version we did not ask for, or null: with --autonet-exec=PROG and no
 * --autonet-dockerd-version, nothing is asked `--version`. PROG may be no dockerd (a launcher
 * would run for real), and the dockerd on PATH need not be the one PROG starts.
 */
export function versionNote(inv: Invocation): string | null {
  if (!execsOwnProgram(inv) || inv.ours.dockerdVersion !== null) return null
  return `dockerd version unknown: --autonet-exec=${inv.ours.exec} is not run with --version, and the dockerd on PATH may not be the one it starts; give --autonet-dockerd-version=V (DOCKERD_AUTONET_DOCKERD_VERSION) to plan for it`
}

/** The program to start is the one --autonet-exec names. */
function execsOwnProgram(inv: Invocation): boolean {
  return inv.ours.exec !== null && inv.program === inv.ours.exec
}
