/**
 * Clamp the TCP MSS of forwarded SYNs to the path MTU, so TCP on every docker network fits the
 * egress even where dockerd cannot be told a per-network MTU (Docker Engine < 24: networks from
 * `docker network create` and compose keep 1500). The rule is the classic one from the
 * iptables-extensions(8) TCPMSS section; it rewrites the MSS option only, so UDP and QUIC are not
 * covered (said in the log).
 *
 * The rule itself: src/tools/iptables.ts.
 */
import type { Logger } from '../log.js'
import { mssClampArgs as withVerb } from '../tools/iptables.js'
import { describeFailure, type Runner } from '../tools/runner.js'

/**
 * Adds the clamp rule for IPv4, and for IPv6 too when `withIpv6` (dockerd runs with IPv6 on),
 * unless it is there already.
 * @returns the tools a rule was added with (empty when already present).
 * @throws Error naming the command when iptables cannot add the rule.
 */
export async function ensureMssClamp(run: Runner, log: Logger, withIpv6 = false): Promise<string[]> {
  const added: string[] = []
  for (const tool of withIpv6 ? ['iptables', 'ip6tables'] : ['iptables']) {
    const check = await run(tool, withVerb('-C'))
    if (check.exitCode === 0) { log.debug(`${tool}: MSS clamp rule already present`); continue }
    const args = withVerb('-A')
    const r = await run(tool, args)
    if (r.exitCode !== 0) throw new Error(`MSS clamp: ${describeFailure(tool, args, r)}`)
    added.push(tool)
  }
  if (added.length) log.info(`MSS clamp: forwarded TCP SYNs now clamped to the path MTU (${added.join(', ')}, mangle FORWARD); UDP/QUIC on user-defined networks is not covered`)
  return added
}

/** Removes the rule (used by tests to clean up); an absent rule is not an error. */
export async function removeMssClamp(run: Runner, tool = 'iptables'): Promise<void> {
  while ((await run(tool, withVerb('-C'))).exitCode === 0) await run(tool, withVerb('-D'))
}
