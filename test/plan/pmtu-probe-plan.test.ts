import t from 'tap'
import type { PmtuProbe } from '../../src/model.js'
import { withProbedPathMtu } from '../../src/plan/mtu.js'
import { planFromState } from '../../src/plan/plan.js'
import { link, route, state } from '../helpers/state.js'

const probe = (mtu: number | null, extra: Partial<PmtuProbe> = {}): PmtuProbe =>
  ({ host: 'far.example', address: '198.18.5.1', family: 4, mtu, min: 576, max: 1500, probes: 9, elapsed_ms: 4000, note: mtu === null ? 'no answer' : null, ...extra })
const at1500 = (extra = {}) => state({ links: [link('eth0', 1500, { addrs: ['10.0.0.5/24'] })], routes4: [route('default', 'eth0', { gw: '10.0.0.1' })], ...extra })

t.test('a probed path MTU below the egress MTU is planned, with its reason', async (t) => {
  const plan = planFromState(at1500({ pmtu_probe: probe(1400), dockerd_version: '20.10.24' }))
  t.equal(plan.mtu, 1400)
  t.ok(plan.args.includes('--mtu=1400'))
  t.ok(plan.reasons.some((r) => /^--mtu=1400: egress eth0 via default route, mtu 1500, lowered to 1400: the path MTU to far.example \(198.18.5.1\) probed with Don't-Fragment pings/.test(r)), plan.reasons.join('\n'))
  t.match(plan.actions, [{ type: 'clamp-mss', mtu: 1400 }], 'MSS clamped to the probed MTU')
})

t.test('a probe at or above the egress MTU, or without a result, changes nothing', async (t) => {
  t.equal(planFromState(state({ pmtu_probe: probe(1450) })).mtu, 1450)
  const same = planFromState(state({ pmtu_probe: probe(1450) }))
  t.ok(same.reasons.some((r) => r.includes('the egress MTU stands')))
  t.equal(planFromState(state({ pmtu_probe: probe(null) })).mtu, 1450)
  t.equal(planFromState(state({ pmtu_probe: null })).mtu, 1450)
  t.equal(withProbedPathMtu(null, probe(1400)), null, 'no egress, no MTU: the probe alone does not make one')
})

t.test('an explicit --mtu is kept and warned about when the probed path carries less', async (t) => {
  const plan = planFromState(at1500({ argv: ['--mtu=1500'], pmtu_probe: probe(1400) }))
  t.equal(plan.mtu, 1500)
  t.ok(plan.warnings.some((w) => /your --mtu=1500 is larger than the egress eth0 mtu 1400/.test(w)), plan.warnings.join('\n'))
})
