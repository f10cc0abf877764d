import t from 'tap'
import { egressMtuStep } from '../../src/plan/egress-mtu.js'
import { contextOf } from '../helpers/plan-context.js'
import { link, route, state } from '../helpers/state.js'

t.test('the egress MTU is planned as --mtu, with the route reason first', async (t) => {
  const s = egressMtuStep(contextOf(state()))
  t.same(s, {
    reasons: ['IPv4 default route leaves via eth0 mtu 1450'],
    warnings: [],
    flags: [{ name: 'mtu', value: '1450', reason: 'egress eth0 via default route, mtu 1450' }],
    actions: [],
    mtu: 1450,
  })
})

t.test('an explicit MTU is kept (no flag), and checked against the egress', async (t) => {
  const s = egressMtuStep(contextOf(state({ argv: ['--mtu=1500'] })))
  t.equal(s.mtu, 1500)
  t.same(s.flags, [])
  t.same(s.reasons, ['IPv4 default route leaves via eth0 mtu 1450', 'mtu: keeping your --mtu=1500 (egress eth0 via default route, mtu 1450)'])
  t.match(s.warnings, [/^your --mtu=1500 is larger than the egress eth0 mtu 1450/])
  const fromFile = egressMtuStep(contextOf(state({ daemon_json: { mtu: '1400' } })))
  t.equal(fromFile.mtu, 1400)
  t.match(fromFile.reasons[1], /^mtu: keeping daemon.json "mtu": "1400"/)
})

t.test('no default route: nothing planned, a warning naming both families', async (t) => {
  const s = egressMtuStep(contextOf(state({ routes4: [route('10.0.0.0/24', 'eth0')] })))
  t.equal(s.mtu, null)
  t.same(s.flags, [])
  t.match(s.warnings, [/^no default route to take the egress MTU from \(no IPv4 default route for container traffic; no IPv6 default route for container traffic\)/])
})

t.test('a default route over the bridge containers sit on is a loop, said in a warning', async (t) => {
  const s = egressMtuStep(contextOf(state({ links: [link('docker0', 1500, { type: 'bridge' })], routes4: [route('default', 'docker0')] })))
  t.match(s.warnings, [/the default route leaves via docker0, the bridge containers sit on/])
})
