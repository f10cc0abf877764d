/**
 * Decision: where dockerd runs — rootless under rootlesskit (rootless.ts), or inside a sandboxed
 * runtime (sandbox.ts) — and which planned actions must not run there. Whatever step plans an
 * action (the MSS clamp's version gate included), the fold drops the action types this
 * environment skips, with one reason line each (`withoutSkippedActions`), so the rule holds
 * wherever those steps decide. --mtu is kept in every case.
 */
import type { DockerdSettings } from '../dockerd/settings.js'
import type { Action, MachineState, Plan, SandboxFacts } from '../model.js'
import { detectRootless, type Rootless, rootlessNetwork } from './rootless.js'
import { hiddenPathWarning, sandboxLabel } from './sandbox.js'
import { type PlanContext, step, type Step } from './step.js'

/** Where dockerd runs, and the action types not applied there with the reason line for each. */
export interface Environment {
  rootless: Rootless | null
  sandbox: SandboxFacts | null
  skips: Partial<Record<Action['type'], string>>
}

/** Where the dockerd of `state` runs, and what it cannot or need not have done. Pure. */
export function detectEnvironment(state: MachineState, settings: DockerdSettings): Environment {
  const rootless = detectRootless(state, settings)
  const sandbox = state.sandbox ?? null
  const skips: Environment['skips'] = {}
  if (sandbox?.kind === 'gvisor') {
    const g = sandboxLabel(sandbox)
    skips['clamp-mss'] = `${g}: not clamping TCP MSS: gVisor's netfilter has no TCPMSS target, so the rule cannot be added`
    skips['conntrack-delete'] = `${g}: no conntrack clean-up: gVisor's netstack keeps connection state inside the sandbox, in no kernel conntrack table that conntrack-tools could delete from`
  }
  if (rootless) {
    const r = `rootless (${rootless.why})`
    skips['clamp-mss'] = `${r}: not clamping TCP MSS: containers' traffic leaves through rootlesskit's network namespace, not through the one iptables here would change`
    skips['conntrack-delete'] = `${r}: no conntrack clean-up: rootlesskit gives dockerd a new network namespace at each start, so no entry seen here can be its containers'`
    skips['pin-bridge-mac'] = `${r}: no bridge MAC change: the bridges a rootless dockerd uses live in rootlesskit's new network namespace, made by dockerd itself`
    skips['create-bridge'] = `${r}: no bridge created: it would not be in rootlesskit's network namespace, where a rootless dockerd's containers are`
  }
  return { rootless, sandbox, skips }
}

/** The environment step: one reason line for where dockerd runs, and warnings (lxc-user-nic, a path MTU Sysbox or Kata may hide). */
export function environmentStep({ environment: env }: PlanContext, sofar: Plan): Step {
  const out = step({})
  if (env.rootless) {
    out.reasons.push(`rootless: ${env.rootless.why}; --mtu is kept${env.rootless.mtu ? ` at most rootlesskit's ${env.rootless.mtu.value}` : ''}, iptables, conntrack and bridge actions are not planned`)
    const net = rootlessNetwork(env.rootless)
    out.reasons.push(net.reason)
    if (net.warning) out.warnings.push(net.warning)
  }
  if (env.sandbox) {
    if (env.sandbox.kind === 'gvisor') out.reasons.push(`${sandboxLabel(env.sandbox)}: --mtu is kept; no MSS clamp and no conntrack clean-up, which gVisor cannot carry out`)
    const w = hiddenPathWarning(env.sandbox, sofar.mtu)
    if (w) out.warnings.push(w)
  }
  return out
}

/** `actions` without those the environment skips, and one reason line per action withdrawn. */
export function withoutSkippedActions(actions: Action[], env: Environment): { actions: Action[], reasons: string[] } {
  const kept: Action[] = []
  const reasons: string[] = []
  for (const a of actions) {
    const skip = env.skips[a.type]
    if (skip === undefined) kept.push(a)
    else if (!reasons.includes(skip)) reasons.push(skip)
  }
  return { actions: kept, reasons }
}
