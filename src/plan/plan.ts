/**
 * The planner: a pure function from a machine-state snapshot to the dockerd argv and the actions
 * to apply before exec. No I/O, no clock, no environment: `plan --state FILE` replays any
 * snapshot exactly, and most tests exercise this function.
 *
 * Rules (README, "How the egress and MTU are chosen"):
 * - the user's explicit choice wins (argv or daemon.json); we warn when it looks wrong;
 * - we never pass a flag whose daemon.json key is set (dockerd refuses to start on that:
 *   "the following directives are specified both as a flag and in the configuration file");
 * - planned flags use the --flag=value form and come after the user's flags, in a fixed order;
 * - every decision adds one reason line.
 */
import { configConflicts, configKeyOf, configValuesSet } from '../dockerd/config-keys.js'
import { type DockerdSettings, resolveSettings } from '../dockerd/settings.js'
import { DEFAULT_PLAN_OPTIONS, type MachineState, type Plan, type PlanOptions } from '../model.js'
import { bridgeStep } from './bridge.js'
import { clampStep } from './clamp.js'
import { conntrackStep } from './conntrack.js'
import { detectEgress, egressMtuStep } from './egress-mtu.js'
import { detectEnvironment, environmentStep, withoutSkippedActions } from './environment.js'
import { networkMtuStep } from './network-mtu.js'
import type { PlanContext, PlannedFlag, PlanStep } from './step.js'

/** The decisions, in the order their reasons, warnings and actions appear in the plan. */
const STEPS: readonly PlanStep[] = [egressMtuStep, environmentStep, networkMtuStep, clampStep, bridgeStep, conntrackStep]

/**
 * Plans dockerd's flags and the actions to take for `state`.
 * @param state a MachineState (snapshot contract, shared/cases/README.md); any field may be missing.
 * @param opts our own options (--autonet-*); defaults: max MTU 1500, egress scope, all fixes on.
 * @returns the Plan; `error` is set when something asked of us cannot be done (the run mode then
 *   starts dockerd with the user's arguments unchanged). Throws only on a bug.
 */
export function planFromState(state: MachineState, opts: PlanOptions = DEFAULT_PLAN_OPTIONS): Plan {
  const argv = state.argv ?? []
  const settings = resolveSettings(argv, state.daemon_json ?? null)
  const routes = detectEgress(state, settings, opts)
  const environment = detectEnvironment(state, settings)
  const ctx: PlanContext = { state, opts, settings, routes, environment }
  const start: Plan = {
    egress: routes.dev, mtu: null, args: [], reasons: [], actions: [], error: null,
    warnings: [...(state.read_errors ?? []), ...conflictWarnings(settings)],
  }
  const flags: PlannedFlag[] = []
  const plan = STEPS.reduce((sofar, decide) => {
    const s = decide(ctx, sofar)
    flags.push(...s.flags)
    return {
      ...sofar,
      mtu: s.mtu !== undefined ? s.mtu : sofar.mtu,
      reasons: [...sofar.reasons, ...s.reasons],
      warnings: [...sofar.warnings, ...s.warnings],
      actions: [...sofar.actions, ...s.actions],
      error: sofar.error ?? s.error ?? null,
    }
  }, start)
  // Whichever step planned them: actions this environment cannot or need not carry out go.
  const allowed = withoutSkippedActions(plan.actions, environment)
  const passed = passableFlags(flags, settings)
  // Ours go after the user's flags, before a `--` that ends them.
  const args = [...argv]
  const end = args.indexOf('--')
  args.splice(end === -1 ? args.length : end, 0, ...passed.ours)
  return { ...plan, args, actions: allowed.actions, reasons: [...plan.reasons, ...allowed.reasons, ...passed.reasons] }
}

/** The planned flags that may be passed (never what daemon.json sets), as `--name=value`, each with its reason line. */
function passableFlags(flags: PlannedFlag[], settings: DockerdSettings): { ours: string[], reasons: string[] } {
  const reasons: string[] = []
  const ours: string[] = []
  const set = configValuesSet(settings.daemonJson)
  for (const p of flags) {
    const key = configKeyOf(p.name)
    if (set.has(key)) {
      reasons.push(`not passing --${p.name}: daemon.json sets "${key}" (dockerd refuses a setting given both ways)`)
      continue
    }
    ours.push(`--${p.name}=${p.value}`)
    reasons.push(`--${p.name}=${p.value}: ${p.reason}`)
  }
  return { ours, reasons }
}

/**
 * Flags the user gave that daemon.json also sets: dockerd will refuse to start. We cannot fix it
 * (both are the user's explicit choices), so we say it before dockerd does, naming both.
 */
function conflictWarnings({ flags, daemonJson }: DockerdSettings): string[] {
  return configConflicts(flags, daemonJson).map(({ key, flag, value }) =>
    `"${key}" is set both in daemon.json (${JSON.stringify(value)}) and as a flag (${flag.text}): ` +
    'dockerd will refuse to start ("the following directives are specified both as a flag and in the configuration file"); remove one')
}
