import t from 'tap'
import type { MachineState } from '../../src/model.js'
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
  const fromFile = egressMtuStep(contextOf(state({ daemon_json: { mtu: 1400 } })))
  t.equal(fromFile.mtu, 1400)
  t.match(fromFile.reasons[1], /^mtu: keeping daemon.json "mtu": 1400/)
})

t.test('an MTU dockerd refuses: nothing planned, the refusal (settings.ts refusedMtu) as the warning', async (t) => {
  for (const [machine, said] of [
    [{ daemon_json: { mtu: '1400' } }, 'daemon.json "mtu": "1400" is a string, not a number: dockerd refuses the file (Go\'s encoding/json will not read it into its int "mtu")'],
    [{ argv: ['--mtu=abc'] }, 'your --mtu=abc is not an integer: dockerd refuses it (pflag: invalid argument "abc" for "--mtu" flag)'],
    [{ argv: ['--mtu', '-1'] }, 'your --mtu -1 is negative: dockerd refuses to start ("invalid default MTU: -1")'],
    [{ argv: ['--mtu=70000'] }, 'your --mtu=70000 is not a usable MTU (68..65535 bytes): dockerd fails to set it on the bridge and does not start'],
  ] as [Partial<MachineState>, string][]) {
    const s = egressMtuStep(contextOf(state(machine)))
    t.equal(s.mtu, null, JSON.stringify(machine))
    t.same(s.flags, [], 'no --mtu planned')
    t.same(s.warnings, [said])
    t.equal(s.reasons[1], 'mtu: none planned, dockerd refuses the MTU it is given')
  }
})

t.test('daemon.json "mtu": null leaves dockerd\'s default (Go\'s encoding/json skips it): planned for like 0', async (t) => {
  const s = egressMtuStep(contextOf(state({ daemon_json: { mtu: null } })))
  t.same(s.reasons[1], 'mtu: daemon.json "mtu": null means dockerd\'s default (1500); planning as if no MTU were set')
  t.match(s.warnings, [/^daemon.json "mtu": null gives containers 1500, more than the egress eth0 mtu 1450/])
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
