/** Small builders for hand-made MachineState snapshots in unit tests. */
import type { Link, MachineState, Route } from '../../src/model.js'

export function link(name: string, mtu: number, extra: Partial<Link> = {}): Link {
  return { name, mtu, mac: `02:00:00:00:00:${(name.length * 7 + mtu % 251).toString(16).padStart(2, '0').slice(-2)}`, type: 'ether', up: true, ...extra }
}

export function route(dst: string, dev: string | null, extra: Partial<Route> = {}): Route {
  return { dst, dev, gw: null, metric: 0, mtu: null, table: 'main', ...extra }
}

export function state(extra: Partial<MachineState> = {}): MachineState {
  return {
    links: [link('lo', 65536, { type: 'loopback', mac: '00:00:00:00:00:00' }), link('eth0', 1450, { type: 'veth', addrs: ['10.0.0.5/24'] })],
    routes4: [route('default', 'eth0', { gw: '10.0.0.1' })],
    routes6: [],
    daemon_json: null,
    argv: [],
    ...extra,
  }
}
