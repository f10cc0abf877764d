/**
 * Carrying out a plan's side effects before dockerd starts (pin a bridge MAC, delete stale
 * conntrack entries, clamp MSS, create a bridge). Fail open: a step of ours that fails is
 * logged and the next one runs; nothing here may keep dockerd from starting.
 */
import type { Logger } from '../log.js'
import type { Action } from '../model.js'

/** Carries out one action; throws (or rejects) when it could not, with a message naming the object at fault. */
export type Applier<A extends Action = Action> = (action: A) => Promise<void>

/** The applier for each action type that has one; a type without an entry is skipped with a warning. */
export type Appliers = { [T in Action['type']]?: Applier<Extract<Action, { type: T }>> }

/**
 * Apply `actions` in the plan's order (a bridge is created before its MAC is pinned).
 *
 * Logs, per action: "skipped: no applier" (warn) when `appliers` has none for its type; the
 * error (warn) when its applier throws. Appliers log the changes they make themselves.
 * @returns once every action was tried; never rejects
 */
export async function applyActions(actions: Action[], deps: { log: Logger, appliers: Appliers }): Promise<void> {
  const { log, appliers } = deps
  for (const action of actions) {
    const apply = appliers[action.type] as Applier | undefined
    if (!apply) {
      log.warn(`${action.type}: skipped: no applier`)
      continue
    }
    log.debug(`${action.type}: applying (${action.reason})`)
    try {
      await apply(action)
    } catch (err) {
      log.warn(`${action.type} failed: ${err instanceof Error ? err.message : String(err)}; continuing`)
    }
  }
}
