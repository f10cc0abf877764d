import t from 'tap'
import { clampStep } from '../../src/plan/clamp.js'
import { contextOf, planSoFar } from '../helpers/plan-context.js'
import { state } from '../helpers/state.js'

t.test('an engine without --default-network-opt and an MTU under 1500: clamp, IPv6 too when on; the reason names every network it carries', async (t) => {
  const s = clampStep(contextOf(state({ dockerd_version: '20.10.24', argv: ['--ipv6'] })), planSoFar(1450))
  t.match(s.actions, [{ type: 'clamp-mss', mtu: 1450, ipv6: true }])
  t.equal(s.actions.length, 1)
  t.match((s.actions[0] as { reason: string }).reason, /networks created with 'docker network create' or compose, networks already in the data-root or created with an explicit mtu, and engines nested in containers .*fits mtu 1450; UDP\/QUIC on those networks is not covered/)
  t.same(s.reasons, [])
})

t.test('engines 24+ clamp too: --default-network-opt reaches only networks created from now on', async (t) => {
  for (const v of ['24.0.0', '26.1.5', '28.5.2']) {
    const s = clampStep(contextOf(state({ dockerd_version: v })), planSoFar(1450))
    t.match(s.actions, [{ type: 'clamp-mss', mtu: 1450, ipv6: false }], v)
    const reason = (s.actions[0] as { reason: string }).reason
    t.match(reason, /networks already in the data-root or created with an explicit mtu, and engines nested in containers \(still at 1500: the MTU options reach only networks created from now on\)/, v)
    t.notMatch(reason, /docker network create/, `${v}: new networks get the MTU, the reason does not claim them`)
  }
  const given = clampStep(contextOf(state({ dockerd_version: '20.10.24', argv: ['--default-network-opt=bridge=com.docker.network.driver.mtu=1400'] })), planSoFar(1450))
  t.match(given.actions, [{ type: 'clamp-mss', mtu: 1450 }], 'the user\'s own --default-network-opt does not reach persisted networks either')
})

t.test('no clamp at 1500 and above, or without a planned MTU', async (t) => {
  t.same(clampStep(contextOf(state({ dockerd_version: '20.10.24' })), planSoFar(1500)).actions, [])
  t.same(clampStep(contextOf(state({ dockerd_version: '28.5.2' })), planSoFar(9000)).actions, [])
  t.same(clampStep(contextOf(state()), planSoFar(null)).actions, [])
})

t.test('opted out: the reason says so, and what is then at risk', async (t) => {
  const s = clampStep(contextOf(state(), { clampMss: false }), planSoFar(1400))
  t.same(s, { reasons: ['MSS clamping disabled (--autonet-no-clamp-mss): networks still at 1500 (persisted, explicit mtu, nested engines) can stall on TCP'], warnings: [], flags: [], actions: [] })
  t.same(clampStep(contextOf(state(), { clampMss: false }), planSoFar(1500)).reasons, [], 'nothing to say when there is nothing to clamp')
})
