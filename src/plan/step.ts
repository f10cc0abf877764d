/**
 * The one shape every decision of the planner returns, and what each decision is given.
 * planFromState (plan.ts) folds the steps in order: their reasons, warnings, flags and actions
 * are appended as they come, so a step never rebuilds another's reason.
 */
import type { DockerdSettings } from '../dockerd/settings.js'
import type { Action, MachineState, Plan, PlanOptions } from '../model.js'
import type { EgressRoutes } from './egress-mtu.js'
import type { Environment } from './environment.js'

/** A dockerd flag a step wants passed (`--name=value`), and why; the fold drops it when daemon.json sets its key. */
export interface PlannedFlag {
  /** Long flag name without dashes ("mtu", "default-network-opt", "bridge"). */
  name: string
  value: string
  reason: string
}

/** What one decision adds to the plan. */
export interface Step {
  reasons: string[]
  warnings: string[]
  flags: PlannedFlag[]
  actions: Action[]
  /** Something asked of us that cannot be done (the run mode then starts dockerd unchanged). */
  error?: string
  /** The MTU containers get, in bytes (null: dockerd's default); set by the egress MTU step only. */
  mtu?: number | null
}

/** What every step decides from: the snapshot, our options, dockerd's settings, the egress routes and where dockerd runs. */
export interface PlanContext {
  state: MachineState
  opts: PlanOptions
  settings: DockerdSettings
  routes: EgressRoutes
  environment: Environment
}

/** A decision: a pure function of the context and the plan so far (earlier steps' results). */
export type PlanStep = (ctx: PlanContext, sofar: Plan) => Step

/** A step's result with nothing in it but what is given. */
export function step(parts: Partial<Step>): Step {
  return { reasons: [], warnings: [], flags: [], actions: [], ...parts }
}
