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
 * error (warn) when its applier throws. Appliers log the changes they make themselves. With
 * `deadline` (a Date.now() value, in ms), an action not started by then is skipped with a warning
 * (the appliers' runner should share the same deadline, so a hung command ends with it).
 * @returns once every action was tried; never rejects
 */
export async function applyActions(actions: Action[], deps: { log: Logger, appliers: Appliers, deadline?: number, now?: () => number }): Promise<void> {
  const { log, appliers } = deps
  const now = deps.now ?? Date.now
  for (const [i, action] of actions.entries()) {
    if (deps.deadline !== undefined && now() >= deps.deadline) {
      // The whole phase is bounded: dockerd is held back seconds, never minutes.
      log.warn(`apply deadline reached: ${actions.length - i} action(s) not applied (${actions.slice(i).map((a) => a.type).join(', ')}); starting dockerd`)
      return
    }
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
