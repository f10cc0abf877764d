/**
 * The planner at sizes a busy host reaches: nothing may recurse or spread call arguments in a
 * way that grows with input (Node's limit is near 120,000 arguments), and reason lines stay
 * one short line. Time is measured by the bench (part 5), not here.
 */
import t from 'tap'
import { planFromState } from '../../src/plan/plan.js'
import type { Route, Rule } from '../../src/model.js'
import { resolveEgress } from '../../src/plan/egress.js'
import { link, route } from '../helpers/state.js'

const N = 200_000
const packet = { src: '172.17.0.2', fwmark: 0, iif: 'docker0' }
const eth0 = link('eth0', 1450)

t.test(`${N} default routes: the lowest metric wins, no stack overflow`, async (t) => {
  const routes: Route[] = []
  for (let i = 0; i < N; i++) routes.push(route('default', 'eth0', { metric: N - i }))
  const plan = planFromState({ links: [eth0], routes4: routes, routes6: [], daemon_json: null, argv: [] })
  t.equal(plan.error, null)
  t.equal(plan.mtu, 1450)
  const r = resolveEgress(4, undefined, routes, [eth0], packet)
  t.ok(r.found)
  if (r.found) t.equal(r.route.metric, 1)
})

t.test(`${N} default routes over a down link: one short reason, the rest counted`, async (t) => {
  const down = link('eth1', 1500, { up: false })
  const routes: Route[] = []
  for (let i = 0; i < N; i++) routes.push(route('default', 'eth1', { metric: i }))
  const r = resolveEgress(4, undefined, routes, [down], packet)
  t.notOk(r.found)
  t.match(r.reason, /^no IPv4 default route for container traffic: default via eth1 skipped \(link down or unknown\); .*; and 199995 more$/)
  t.ok(r.reason.length < 400, `reason is ${r.reason.length} characters`)
})

t.test(`20,000 rules and as many tables: the walk still finds the egress (its cost: bench part 5)`, async (t) => {
  const N = 20_000
  const rules: Rule[] = []
  const routes: Route[] = []
  for (let i = 0; i < N; i++) {
    rules.push({ priority: 1000 + i, src: 'all', table: String(1000 + i) })
    // Every table but the last holds only a host route: no default there, fall through.
    routes.push(route(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, 'eth0', { table: String(1000 + i) }))
  }
  routes.push(route('default', 'eth0', { table: String(1000 + N - 1) }))
  const r = resolveEgress(4, rules, routes, [eth0], packet)
  t.ok(r.found)
  if (r.found) t.equal(r.table, String(1000 + N - 1))
})
