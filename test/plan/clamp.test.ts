import t from 'tap'
import { clampStep } from '../../src/plan/clamp.js'
import { contextOf, planSoFar } from '../helpers/plan-context.js'
import { state } from '../helpers/state.js'

t.test('an engine without --default-network-opt and an MTU under 1500: clamp, IPv6 too when on', async (t) => {
  const s = clampStep(contextOf(state({ dockerd_version: '20.10.24', argv: ['--ipv6'] })), planSoFar(1450))
  t.match(s.actions, [{ type: 'clamp-mss', mtu: 1450, ipv6: true }])
  t.equal(s.actions.length, 1)
  t.same(s.reasons, [])
})

t.test('no clamp at 1500 and above, on engines 24+, or without a planned MTU', async (t) => {
  t.same(clampStep(contextOf(state({ dockerd_version: '20.10.24' })), planSoFar(1500)).actions, [])
  t.same(clampStep(contextOf(state({ dockerd_version: '24.0.0' })), planSoFar(1450)).actions, [])
  t.same(clampStep(contextOf(state()), planSoFar(null)).actions, [])
})

t.test('opted out: the reason says so', async (t) => {
  const s = clampStep(contextOf(state(), { clampMss: false }), planSoFar(1400))
  t.same(s, { reasons: ['MSS clamping disabled (--autonet-no-clamp-mss)'], warnings: [], flags: [], actions: [] })
})
