/** A planner context for a hand-made snapshot, as planFromState builds it, for testing one step. */
import { resolveSettings } from '../../src/dockerd/settings.js'
import { DEFAULT_PLAN_OPTIONS, type MachineState, type Plan, type PlanOptions } from '../../src/model.js'
import { detectEgress } from '../../src/plan/egress-mtu.js'
import { detectEnvironment } from '../../src/plan/environment.js'
import type { PlanContext } from '../../src/plan/step.js'

export function contextOf(state: MachineState, opts: Partial<PlanOptions> = {}): PlanContext {
  const o = { ...DEFAULT_PLAN_OPTIONS, ...opts }
  const settings = resolveSettings(state.argv ?? [], state.daemon_json ?? null)
  return { state, opts: o, settings, routes: detectEgress(state, settings, o), environment: detectEnvironment(state, settings) }
}

/** An empty plan so far, with the MTU an earlier step chose. */
export function planSoFar(mtu: number | null): Plan {
  return { egress: null, mtu, args: [], warnings: [], reasons: [], error: null, actions: [] }
}
