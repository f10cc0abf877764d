import t from 'tap'
import { join } from 'node:path'
import { readRouteRuleBatch, readRoutes, readRules } from '../../src/read/routes.js'
import { execFileRunner, type Runner } from '../../src/tools/runner.js'
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


/** A runner answering the one-process batch of a family, and recording what it was given. */
function batchRunner(answer: (family: 4 | 6) => { stdout: string, exitCode: number }) {
  const calls: Array<{ key: string, input?: string }> = []
  const run: Runner = async (cmd, args, opts) => {
    calls.push({ key: [cmd, ...args].join(' '), input: opts?.input })
    const m = /^ip -j -([46]) -batch -$/.exec([cmd, ...args].join(' '))
    return m ? { stderr: '', ...answer(Number(m[1]) as 4 | 6) } : { stdout: '', stderr: 'ENOENT', exitCode: 127 }
  }
  return Object.assign(run, { calls })
}
const oneLine = (name: string) => JSON.stringify(fixtureJson(name))

t.test('readRouteRuleBatch: both listings of a family from one ip process, parsed as each alone', async (t) => {
  for (const family of [4, 6] as const) {
    const run = batchRunner((f) => ({ stdout: `${oneLine(`ip-route${f}.json`)}\n${oneLine(`ip-rule${f}.json`)}\n`, exitCode: 0 }))
    const got = await readRouteRuleBatch(family, run)
    const alone = replayRunner({
      [`ip -j -${family} route show table all`]: ok(fixtureText(`ip-route${family}.json`)),
      [`ip -j -${family} rule show`]: ok(fixtureText(`ip-rule${family}.json`)),
    })
    t.same(got, { routes: await readRoutes(family, alone), rules: await readRules(family, alone) }, `IPv${family}: the same Routes, Rules and error lines`)
    t.ok((got?.routes.routes.length ?? 0) > 3 && (got?.rules.rules?.length ?? 0) > 3, `IPv${family}: real listings`)
    t.same(run.calls, [{ key: `ip -j -${family} -batch -`, input: 'route show table all\nrule show\n' }], 'one process, the two commands on stdin')
  }
})

t.test('readRouteRuleBatch: anything but two JSON listings is no answer (null), so each is asked alone', async (t) => {
  const route = oneLine('ip-route4.json')
  for (const [what, stdout, exitCode] of [
    ['ip fails (no -batch, busybox)', '', 1], ['ip missing', '', 127], ['one listing only', route, 0],
    ['three listings', `${route}\n[]\n[]`, 0], ['not JSON', `${route}\nOption "-j" is unknown`, 0], ['nothing', '', 0],
  ] as const) {
    t.equal(await readRouteRuleBatch(4, batchRunner(() => ({ stdout, exitCode }))), null, what)
  }
})

t.test('readRouteRuleBatch on this machine\'s real ip gives what the separate commands give', async (t) => {
  const run = execFileRunner(10_000)
  for (const family of [4, 6] as const) {
    const batch = await readRouteRuleBatch(family, run)
    if (batch === null) { t.fail(`IPv${family}: the real ip gave no batch answer`); continue }
    t.same(batch, { routes: await readRoutes(family, run), rules: await readRules(family, run) }, `IPv${family}`)
    t.ok(batch.rules.rules?.some((r) => r.table === 'main'), `IPv${family}: the main table's rule is there`)
  }
})
