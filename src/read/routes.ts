/**
 * The routes and policy rules of the machine, one listing at a time: iproute2's JSON when `ip`
 * can give it, else the /proc routing tables (proc-routes.ts), with what that fallback cannot
 * see said in `errors`. The start path asks ip-batch.ts first, which has all but the IPv6
 * rules from one process; these readers are what it falls back to.
 */
import type { Route, Rule } from '../model.js'
import type { Family } from '../net/family.js'
import { parseIpRouteJson, parseIpRuleJson, routeListArgs, ruleListArgs } from '../tools/iproute2.js'
import { defaultRunner, describeFailure, type Runner } from '../tools/runner.js'
import { procRouteLimits, readProcRoutes } from './proc-routes.js'

/**
 * Every route of one family in every table, via `ip -j -4|-6 route show table all`.
 * Never throws. When `ip` is missing, fails, or prints no JSON (busybox `ip` has no `-j`),
 * falls back to /proc (`procNet`, default /proc/net; see proc-routes.ts) and says so in
 * `errors`, with what the fallback cannot see (other tables, route MTU attributes).
 */
export async function readRoutes(family: Family, run: Runner = defaultRunner, procNet = '/proc/net'): Promise<{ routes: Route[], errors: string[] }> {
  const label = `routes${family}`
  const args = routeListArgs(family)
  const r = await run('ip', args)
  let why: string
  if (r.exitCode === 0) {
    try {
      const errors: string[] = []
      const routes = parseIpRouteJson(JSON.parse(r.stdout.trim() || '[]'), family, errors)
      return { routes, errors: errors.map((e) => `${label}: ${e}`) }
    } catch (e) {
      why = `output of \`ip ${args.join(' ')}\` is not route JSON (${(e as Error).message})`
    }
  } else {
    why = describeFailure('ip', args, r)
  }
  const fallback = await readProcRoutes(family, procNet)
  return {
    routes: fallback.routes,
    errors: [`${label}: ${why}; read ${procRouteLimits(family, procNet)}`, ...fallback.errors.map((e) => `${label}: ${e}`)],
  }
}

/**
 * The policy rules of one family, via `ip -j -4|-6 rule show`. Never throws. There is no
 * /proc source for rules, so when `ip` cannot give JSON the result is `rules: null` (unknown,
 * not "none") with the reason in `errors`.
 */
export async function readRules(family: Family, run: Runner = defaultRunner): Promise<{ rules: Rule[] | null, errors: string[] }> {
  const label = `rules${family}`
  const args = ruleListArgs(family)
  const r = await run('ip', args)
  if (r.exitCode !== 0) return { rules: null, errors: [`${label}: ${describeFailure('ip', args, r)}; policy rules unknown`] }
  try {
    const errors: string[] = []
    const rules = parseIpRuleJson(JSON.parse(r.stdout.trim() || '[]'), errors)
    return { rules, errors: errors.map((e) => `${label}: ${e}`) }
  } catch (e) {
    return { rules: null, errors: [`${label}: output of \`ip ${args.join(' ')}\` is not rule JSON (${(e as Error).message}); policy rules unknown`] }
  }
}
