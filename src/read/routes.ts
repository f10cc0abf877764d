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
 * Routes of one family from parsed `ip -j` route JSON, shaped as readRoutes returns them:
 * parse errors prefixed "routes4:"/"routes6:". Shared with ip-batch.ts. Throws what
 * parseIpRouteJson throws for JSON that is not a route listing.
 */
export function routesFromJson(json: unknown, family: Family): { routes: Route[], errors: string[] } {
  const errors: string[] = []
  const routes = parseIpRouteJson(json, family, errors)
  return { routes, errors: errors.map((e) => `routes${family}: ${e}`) }
}

/**
 * Rules of one family from parsed `ip -j` rule JSON, shaped as readRules returns them: parse
 * errors prefixed "rules4:"/"rules6:". Shared with ip-batch.ts. Throws what parseIpRuleJson
 * throws for JSON that is not a rule listing.
 */
export function rulesFromJson(json: unknown, family: Family): { rules: Rule[], errors: string[] } {
  const errors: string[] = []
  const rules = parseIpRuleJson(json, errors)
  return { rules, errors: errors.map((e) => `rules${family}: ${e}`) }
}

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
      return routesFromJson(JSON.parse(r.stdout.trim() || '[]'), family)
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
    return rulesFromJson(JSON.parse(r.stdout.trim() || '[]'), family)
  } catch (e) {
    return { rules: null, errors: [`${label}: output of \`ip ${args.join(' ')}\` is not rule JSON (${(e as Error).message}); policy rules unknown`] }
  }
}
