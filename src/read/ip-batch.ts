/**
 * The links, both families' routes and the IPv4 policy rules from one `ip` process
 * (MACHINE_BATCH in tools/iproute2.ts): on the start path every spawn costs the wrapper's main
 * thread a few milliseconds, and these four listings are what every start reads. IPv6 rules
 * cannot share the process (a batch has no per-line family) and are read beside it.
 */
import type { Link, Route, Rule } from '../model.js'
import { MACHINE_BATCH, parseIpLinkJson } from '../tools/iproute2.js'
import { defaultRunner, type Runner } from '../tools/runner.js'
import { linksFromDump } from './links.js'
import { routesFromJson, rulesFromJson } from './routes.js'

/** The four listings of MACHINE_BATCH, each shaped as its own reader (links.ts, routes.ts) returns it. */
export interface IpBatch {
  links: { links: Link[], errors: string[] }
  routes4: { routes: Route[], errors: string[] }
  routes6: { routes: Route[], errors: string[] }
  rules4: { rules: Rule[] | null, errors: string[] }
}

/**
 * Runs MACHINE_BATCH once and parses its four JSON lines: links (with the sysfs facts
 * linksFromDump adds, from `sysClassNet`), IPv4 and IPv6 routes, IPv4 rules. Error lines are
 * snapshot read_errors with the field's prefix ("links:", "routes4:", "routes6:", "rules4:").
 *
 * Returns null when `ip` did not answer with the four listings (busybox `ip` has no `-j` or
 * `-batch`; a listing the kernel refused stops the batch): then each listing is to be asked on
 * its own, where each has its own fallback and error line. Never throws.
 */
export async function readIpBatch(run: Runner = defaultRunner, sysClassNet = '/sys/class/net'): Promise<IpBatch | null> {
  const r = await run('ip', [...MACHINE_BATCH.args], { input: MACHINE_BATCH.input })
  if (r.exitCode !== 0) return null
  const answers = r.stdout.split('\n').filter((l) => l.trim() !== '')
  if (answers.length !== 4) return null
  try {
    const [linkJson, route4Json, route6Json, rule4Json] = answers.map((a) => JSON.parse(a) as unknown)
    return {
      links: linksFromDump(parseIpLinkJson(linkJson), sysClassNet),
      routes4: routesFromJson(route4Json, 4),
      routes6: routesFromJson(route6Json, 6),
      rules4: rulesFromJson(rule4Json, 4),
    }
  } catch {
    // Not the four JSON arrays: asked one by one, each listing says what is wrong with it.
    return null
  }
}
