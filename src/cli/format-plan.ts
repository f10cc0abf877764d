/**
 * How a plan is shown: `plan --json` (the contract of shared/cases/README.md), and the
 * human-readable summary of `plan` and `--autonet-dry-run`.
 */
import type { Plan } from '../model.js'

/** The `plan --json` object: exactly these keys, in this order; actions as the planner returns them. */
export function planJson(plan: Plan): Pick<Plan, 'egress' | 'mtu' | 'args' | 'warnings' | 'reasons' | 'error' | 'actions'> {
  const { egress, mtu, args, warnings, reasons, error, actions } = plan
  return { egress, mtu, args, warnings, reasons, error, actions }
}

/**
 * A summary for people: egress, MTU, the flags the plan adds to the user's, each reason,
 * warnings, the error, the actions and the final command (shell-quoted, ready to paste).
 * The final command is what run mode would exec: with the plan's error, the user's own.
 *
 * @param userArgs what the user gave dockerd, to tell our flags from theirs
 * @param command  the program and any words before the arguments (`["dockerd"]`)
 */
export function formatPlan(plan: Plan, userArgs: readonly string[], command: readonly string[]): string {
  const lines: string[] = []
  const list = (title: string, items: readonly string[]) => {
    lines.push(`${title}:${items.length ? '' : ' none'}`)
    for (const item of items) lines.push(`  - ${item}`)
  }
  lines.push(`egress:   ${plan.egress ?? 'none found'}`)
  lines.push(`mtu:      ${plan.mtu ?? 'not set (dockerd\'s default)'}`)
  const added = addedArgs(userArgs, plan.args)
  if (plan.error) lines.push('adds:     nothing (a start steps aside, see error: your arguments stay as they are)')
  else if (added) lines.push(`adds:     ${added.length ? quoteCommand(added) : 'nothing'}`)
  else lines.push(`args:     ${quoteCommand(plan.args)}  (rewritten, not only appended)`)
  list('reasons', plan.reasons)
  list('warnings', plan.warnings)
  if (plan.error) lines.push(`error:    ${plan.error}`)
  list('actions', plan.error ? [] : plan.actions.map((a) => `${a.type}: ${a.reason}`))
  lines.push(`command:  ${quoteCommand([...command, ...(plan.error ? userArgs : plan.args)])}`)
  return lines.join('\n') + '\n'
}

/**
 * What a start that steps aside without a plan does (dockerd will refuse its argv, a command
 * that is not dockerd, --autonet-disable, detection failed…): why, nothing added or applied, and
 * the command exec'd exactly (shell-quoted).
 */
export function formatAside(reason: string, command: readonly string[]): string {
  return [`aside:    ${reason}`, 'adds:     nothing', 'actions:  none', `command:  ${quoteCommand(command)}`].join('\n') + '\n'
}

/** The flags a plan appends to the user's argv, or null when it changed the user's part. */
export function addedArgs(userArgs: readonly string[], planArgs: readonly string[]): string[] | null {
  if (planArgs.length < userArgs.length || userArgs.some((a, i) => planArgs[i] !== a)) return null
  return planArgs.slice(userArgs.length)
}

/** Words joined for a POSIX shell: anything beyond a safe character set is single-quoted. */
export function quoteCommand(words: readonly string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ')
}
