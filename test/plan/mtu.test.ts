import t from 'tap'
import { DEFAULT_PLAN_OPTIONS } from '../../src/model.js'
import { allRoutesMtu, boundMtu, egressMtu } from '../../src/plan/mtu.js'
import { link, route } from '../helpers/state.js'

const hop = (dev: string, mtuBytes: number) => ({ dev, mtuBytes, mtuSource: 'link' as const, gw: null })

t.test('egressMtu: the smallest hop of both families, named', async (t) => {
  const v4 = { found: true as const, family: 4 as const, hops: [hop('eth0', 1500)], table: 'main', route: route('default', 'eth0'), reason: '' }
  const v6 = { found: true as const, family: 6 as const, hops: [hop('wg0', 1420)], table: 'main', route: route('default', 'wg0'), reason: '' }
  t.same(egressMtu([v4, v6]), { mtu: 1420, dev: 'wg0', reason: 'egress wg0 via IPv6 default route, mtu 1420 (smaller of IPv4 and IPv6 egress)' })
  t.same(egressMtu([v4, { found: false, family: 6, reason: '' }]), { mtu: 1500, dev: 'eth0', reason: 'egress eth0 via default route, mtu 1500' })
  t.equal(egressMtu([{ found: false, family: 4, reason: '' }]), null)
})

t.test('boundMtu: capped at the maximum, raised to 576, IPv6 floor warned', async (t) => {
  const e = (mtu: number) => ({ dev: 'eth0', mtu, reason: `egress eth0, mtu ${mtu}` })
  t.same(boundMtu(e(9001), DEFAULT_PLAN_OPTIONS, false), { value: 1500, reason: 'egress eth0, mtu 9001, capped at 1500 (raise with --autonet-max-mtu for jumbo frames)', warnings: [] })
  t.match(boundMtu(e(500), DEFAULT_PLAN_OPTIONS, false), { value: 576, warnings: [/below 576/] })
  t.match(boundMtu(e(1200), DEFAULT_PLAN_OPTIONS, true), { value: 1200, warnings: [/below 1280, the IPv6 minimum/] })
})

t.test('allRoutesMtu: up links with usable routes, not docker bridges or loopback', async (t) => {
  const links = [link('lo', 65536, { type: 'loopback' }), link('eth0', 1500), link('wg0', 1420), link('docker0', 1300, { type: 'bridge' })]
  const routes = [route('default', 'eth0'), route('10.8.0.0/16', 'wg0'), route('172.17.0.0/16', 'docker0'), route('127.0.0.0/8', 'lo')]
  t.match(allRoutesMtu(links, routes, new Set(['docker0'])), { mtu: 1420, dev: 'wg0' })
})
