import t from 'tap'
import { stableBridgeMac } from '../../src/net/bridge-mac.js'
import { bridgeStep } from '../../src/plan/bridge.js'
import { contextOf } from '../helpers/plan-context.js'
import { link, route, state } from '../helpers/state.js'

const br = (name: string, extra = {}) => link(name, 1500, { type: 'bridge', mac: '02:42:00:00:00:01', addr_assign_type: 1, ...extra })

t.test("the user's bridge gets a MAC derived from its name", async (t) => {
  const s = state({ argv: ['--bridge=br-ci'], links: [...state().links, br('br-ci')] })
  const mac = stableBridgeMac('br-ci', s.links.map((l) => l.mac))
  const out = bridgeStep(contextOf(s))
  t.match(out.actions, [{ type: 'pin-bridge-mac', bridge: 'br-ci', mac }])
  t.same(out.reasons, [`bridge br-ci: pin MAC ${mac}`])
  t.same(out.flags, [])
})

t.test('a bridge whose MAC is set already is kept', async (t) => {
  const set = bridgeStep(contextOf(state({ argv: ['-b', 'br-ci'], links: [br('br-ci', { addr_assign_type: 3 })] })))
  t.same(set.actions, [])
  t.same(set.reasons, ['bridge br-ci: MAC 02:42:00:00:00:01 already set explicitly (addr_assign_type 3), kept'])
  t.equal(set.error, undefined)
})

t.test('a bridge of the user\'s that is missing or no bridge is an error (dockerd refuses it), with the MAC pin off too; links not read: a warning', async (t) => {
  for (const pinBridgeMac of [true, false]) {
    const missing = bridgeStep(contextOf(state({ daemon_json: { bridge: 'br-x' } }), { pinBridgeMac }))
    t.equal(missing.error, 'bridge "br-x" named by --bridge/daemon.json does not exist: dockerd refuses to start without it ("bridge device with non default name br-x must be created manually"); create it or use --autonet-bridge=br-x=CIDR')
    t.same(missing.actions, [])
    const veth = bridgeStep(contextOf(state({ argv: ['--bridge=v1'], links: [...state().links, link('v1', 1500, { type: 'veth' })] }), { pinBridgeMac }))
    t.equal(veth.error, '"v1" named by --bridge/daemon.json is a veth link, not a bridge: dockerd refuses to start on it ("existing interface v1 is not a bridge")')
    t.same(veth.actions, [])
  }
  const unread = bridgeStep(contextOf(state({ argv: ['-b', 'br-x'], links: undefined })))
  t.equal(unread.error, undefined, 'not known to be missing')
  t.match(unread.warnings, [/^bridge "br-x" named by --bridge\/daemon.json: the links were not read, so it is not known to exist/])
})

t.test('--autonet-bridge creates a missing bridge and passes --bridge', async (t) => {
  const out = bridgeStep(contextOf(state(), { createBridge: { name: 'br-two', cidr: '10.99.0.1/24' } }))
  t.match(out.actions, [{ type: 'create-bridge', bridge: 'br-two', cidr: '10.99.0.1/24' }])
  t.same(out.flags, [{ name: 'bridge', value: 'br-two', reason: 'containers attach to br-two (--autonet-bridge)' }])
  t.equal(out.error, undefined)
})

t.test('--autonet-bridge overlapping a route is an error, and nothing is pinned', async (t) => {
  const s = state({ routes4: [route('default', 'eth0', { gw: '10.0.0.1' }), route('10.99.0.0/16', 'eth0')] })
  const out = bridgeStep(contextOf(s, { createBridge: { name: 'br-two', cidr: '10.99.0.1/24' } }))
  t.equal(out.error, '--autonet-bridge=br-two=10.99.0.1/24 overlaps the route 10.99.0.0/16 dev eth0; choose another range')
  t.same(out.actions, [])
  t.same(out.flags, [])
})

t.test('--bridge=docker0 (or daemon.json "bridge": "docker0") names dockerd\'s own bridge: no "does not exist" warning, no pin, whether it exists or not', async (t) => {
  for (const s of [state({ argv: ['--bridge=docker0'] }), state({ daemon_json: { bridge: 'docker0' } }), state({ argv: ['-b', 'docker0'], links: [...state().links, br('docker0')] })]) {
    const out = bridgeStep(contextOf(s))
    t.same(out.warnings, [], JSON.stringify(s.argv ?? s.daemon_json))
    t.same(out.actions, [])
  }
})
