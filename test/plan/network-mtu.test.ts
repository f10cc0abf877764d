import t from 'tap'
import { networkMtuReach, networkMtuStep } from '../../src/plan/network-mtu.js'
import { resolveSettings } from '../../src/dockerd/settings.js'
import { contextOf, planSoFar } from '../helpers/plan-context.js'
import { state } from '../helpers/state.js'

t.test('Docker Engine 24+ gets --default-network-opt with the planned MTU', async (t) => {
  const s = networkMtuStep(contextOf(state({ dockerd_version: '27.3.1' })), planSoFar(1450))
  t.same(s.flags, [{ name: 'default-network-opt', value: 'bridge=com.docker.network.driver.mtu=1450', reason: "networks created by 'docker network create' and compose get mtu 1450 too (Docker Engine 27.3.1 has --default-network-opt)" }])
  t.same(s.reasons, [])
})

t.test('older or unknown engines: no flag, the reason says why, TCP needs clamping', async (t) => {
  t.same(networkMtuStep(contextOf(state({ dockerd_version: '20.10.24' })), planSoFar(1450)).reasons,
    ['user-defined networks: Docker Engine 20.10 predates --default-network-opt (24.0); --mtu reaches only the default bridge'])
  const unknown = networkMtuReach(1450, resolveSettings([], null), null)
  t.same(unknown, { flag: null, reason: 'user-defined networks: Docker Engine version unknown, so --default-network-opt (24.0+) is not risked; --mtu reaches only the default bridge', newNetworksAtDefault: true })
})

t.test("the user's own network MTU is kept, from argv or daemon.json", async (t) => {
  const argv = networkMtuReach(1450, resolveSettings(['--default-network-opt', 'bridge=com.docker.network.driver.mtu=1400'], null), '27.0')
  t.same(argv, { flag: null, reason: 'user-defined networks: keeping your --default-network-opt bridge=com.docker.network.driver.mtu=1400', newNetworksAtDefault: false })
  const file = networkMtuReach(1450, resolveSettings([], { 'default-network-opts': { bridge: { 'com.docker.network.driver.mtu': '1300' } } }), '20.10')
  t.same(file, { flag: null, reason: 'user-defined networks: daemon.json default-network-opts sets com.docker.network.driver.mtu=1300', newNetworksAtDefault: false })
})

t.test('no MTU planned: nothing about networks; the singular daemon.json key is warned about', async (t) => {
  t.same(networkMtuStep(contextOf(state()), planSoFar(null)), { reasons: [], warnings: [], flags: [], actions: [] })
  t.match(networkMtuStep(contextOf(state({ daemon_json: { 'default-network-opt': {} } })), planSoFar(null)).warnings,
    [/daemon.json has "default-network-opt"; dockerd reads the plural key/])
})
