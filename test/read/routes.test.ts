import t from 'tap'
import { join } from 'node:path'
import { readRoutes, readRules } from '../../src/read/routes.js'
import { parseIpRouteJson } from '../../src/tools/iproute2.js'
import { BUSYBOX_IP_NO_JSON, fixtureJson, fixtureText, ok, replayRunner } from '../helpers/fake-machine.js'

const routes4 = parseIpRouteJson(fixtureJson('ip-route4.json'), 4)

t.test('readRoutes runs ip with the family and table all', async (t) => {
  const run = replayRunner({ 'ip -j -4 route show table all': ok(fixtureText('ip-route4.json')) })
  const r = await readRoutes(4, run)
  t.same(run.calls, ['ip -j -4 route show table all'])
  t.same(r.errors, [])
  t.equal(r.routes.length, routes4.length)
  const empty = await readRoutes(6, replayRunner({ 'ip -j -6 route show table all': ok('[]\n') }))
  t.same(empty, { routes: [], errors: [] })
})

t.test('readRoutes falls back to /proc when ip has no JSON, and says so', async (t) => {
  const procNet = t.testdir({
    route: fixtureText('proc-net-route.txt'),
    ipv6_route: fixtureText('proc-net-ipv6_route.txt'),
  })
  const cases = [
    ['busybox ip', BUSYBOX_IP_NO_JSON, /`ip -j -4 route show table all` failed \(exit 1: BusyBox/],
    ['ip missing', undefined, /could not be run/],
    ['ip ignoring -j', ok('default via 10.0.0.1 dev veth0\n'), /is not route JSON/],
  ] as const
  for (const [what, answer, why] of cases) {
    const run = replayRunner(answer ? { 'ip -j -4 route show table all': answer } : {})
    const r = await readRoutes(4, run, procNet)
    t.match(r.errors, [why], what)
    t.match(r.errors[0], `; read ${join(procNet, 'route')} instead: main table only, route MTU attributes unknown`)
    t.same(r.routes.filter((x) => x.dst === 'default').map((x) => x.metric), [100, 200, 300], `${what}: routes from /proc`)
  }
  const six = await readRoutes(6, replayRunner({}), procNet)
  t.match(six.errors, [/^routes6: .*; read .*ipv6_route instead: routing tables not told apart/])
  t.ok(six.routes.some((r) => r.dst === 'default' && r.gw === 'fd00:1::1'))

  const nothing = await readRoutes(4, replayRunner({}), join(procNet, 'missing'))
  t.same(nothing.routes, [])
  t.match(nothing.errors[1], /^routes4: cannot read .*missing\/route: ENOENT/)
})

t.test('readRules: parsed, or null with the reason', async (t) => {
  const good = await readRules(6, replayRunner({ 'ip -j -6 rule show': ok(fixtureText('ip-rule6.json')) }))
  t.equal(good.rules?.length, 6)
  t.same(good.errors, [])
  const bad = await readRules(4, replayRunner({ 'ip -j -4 rule show': BUSYBOX_IP_NO_JSON }))
  t.equal(bad.rules, null, 'unknown, not empty')
  t.match(bad.errors, [/^rules4: `ip -j -4 rule show` failed \(exit 1: BusyBox.*\); policy rules unknown$/])
  const garbled = await readRules(4, replayRunner({ 'ip -j -4 rule show': ok('{"truncated": ') }))
  t.equal(garbled.rules, null)
  t.match(garbled.errors, [/is not rule JSON/])
})
