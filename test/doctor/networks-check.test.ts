/**
 * doctor names each user-defined bridge network whose MTU is above the egress MTU: networks a
 * plain dockerd stored in the data-root, networks created with an explicit 1500, compose
 * networks; the fix says how to recreate each.
 */
import t from 'tap'
import { diagnose, exitCodeOf } from '../../src/doctor/diagnose.js'
import { formatFindings } from '../../src/doctor/format.js'
import { checkNetworks, networkMtu } from '../../src/doctor/networks-check.js'
import type { NetworkInfo, RunningDockerd } from '../../src/doctor/types.js'
import { parseNetworks } from '../../src/dockerd/engine-objects.js'
import { link, route, state } from '../helpers/state.js'

const net = (name: string, id: string, mtu: number | null, extra: Partial<NetworkInfo> = {}): NetworkInfo =>
  ({ name, id, driver: 'bridge', bridge: `br-${id}`, mtu, subnets: ['172.20.0.0/16'], ...extra })

function dockerd(networks: NetworkInfo[] | null, argv: string[] = ['--mtu=1450']): RunningDockerd {
  return {
    pid: 4242, command: '/usr/bin/dockerd', argv, started_at: null, via_wrapper: true,
    daemon_json: null, daemon_json_path: '/etc/docker/daemon.json', daemon_json_error: null,
    api: { socket: '/var/run/docker.sock', error: networks ? null : 'connect ENOENT', containers: [], networks },
  }
}

const machine = state({
  links: [link('lo', 65536, { type: 'loopback' }), link('eth0', 1450, { type: 'veth', addrs: ['10.0.0.5/24'] })],
  routes4: [route('default', 'eth0', { gw: '10.0.0.1' })],
  conntrack: [],
  read_errors: [],
})
const egress = { dev: 'eth0', mtu: 1450, reason: 'egress eth0 via default route, mtu 1450' }

t.test('a stored network without an MTU option, one with an explicit 1500, a compose one: each named, with its fix', async (t) => {
  const networks = [
    { ...net('bridge', 'da0f9300c692', 1450), bridge: 'docker0' },
    net('old', '0123456789ab', null),
    net('explicit', '1111111111aa', 1500),
    net('app_default', '2222222222bb', null, { compose_project: 'app' }),
    net('fits', '3333333333cc', 1450),
    { name: 'host', id: '4444444444dd', driver: 'host', bridge: null, mtu: null, subnets: [] },
  ]
  const fs = diagnose(machine, [dockerd(networks)])
  const found = fs.filter((f) => f.check === 'network')
  t.same(found.map((f) => [f.subject, f.severity, f.mtu]), [
    ['network old', 'problem', 1500], ['network explicit', 'problem', 1500], ['network app_default', 'problem', 1500], ['network fits', 'ok', 1450],
  ], 'user-defined bridge networks only: not the default bridge (the mtu check\'s), not host')
  const [old, explicit, compose] = found
  t.match(old.message, /^network "old" \(id 0123456789ab, dockerd pid 4242\) gives its containers mtu 1500 \(no com\.docker\.network\.driver\.mtu option: the bridge driver leaves its veths at the kernel's 1500; --mtu reaches only the default bridge\), larger than the egress eth0 mtu 1450/)
  t.match(old.message, /a network keeps the MTU it was created with/)
  t.match(old.fix, /^recreate it: docker network rm old, then docker network create --opt com\.docker\.network\.driver\.mtu=1450 \[its other options\] old/)
  t.match(explicit.message, /mtu 1500 \(its com\.docker\.network\.driver\.mtu=1500 option, fixed when it was created\)/)
  t.match(explicit.fix, /recreate it \(not with the explicit com\.docker\.network\.driver\.mtu=1500\)/)
  t.match(compose.message, /compose project "app"/)
  t.match(compose.fix, /docker compose -p app down, then docker compose -p app up -d/)
  t.match(compose.fix, /--default-network-opt=bridge=com\.docker\.network\.driver\.mtu=1450/)
  t.same(old.data, { pid: 4242, network: 'old', id: '0123456789ab', bridge: 'br-0123456789ab', mtu: 1500, egress: 'eth0', egress_mtu: 1450, compose_project: null })
  t.equal(exitCodeOf(fs), 1, 'a network too large is a problem')
  t.match(formatFindings(fs), /PROBLEM\s+network\s+network old\s+1500/)
})

t.test('every network fits: ok lines only, healthy', async (t) => {
  const fs = diagnose(machine, [dockerd([{ ...net('bridge', 'da0f9300c692', 1450), bridge: 'docker0' }, net('ci', '0123456789ab', 1400)])])
  t.same(fs.filter((f) => f.check === 'network').map((f) => f.severity), ['ok'])
  t.equal(exitCodeOf(fs), 0)
})

t.test('no egress, or the API not answering: no network verdicts', async (t) => {
  t.same(checkNetworks(dockerd([net('old', '0123456789ab', null)]), null), [])
  t.same(checkNetworks(dockerd(null), egress), [])
})

t.test('from the API\'s answer: the compose label and the MTU option as the daemon stored them', async (t) => {
  const parsed = parseNetworks([
    { Name: 'app_default', Id: '2222222222bb9999', Driver: 'bridge', Options: {}, Labels: { 'com.docker.compose.project': 'app', 'com.docker.compose.network': 'default' } },
    { Name: 'explicit', Id: '1111111111aa9999', Driver: 'bridge', Options: { 'com.docker.network.driver.mtu': '1500' }, Labels: {} },
  ])
  t.equal(parsed[0].compose_project, 'app')
  t.notOk('compose_project' in parsed[1])
  t.same(networkMtu(parsed[1]), { value: 1500, source: 'its com.docker.network.driver.mtu=1500 option, fixed when it was created' })
  t.equal(networkMtu(parsed[0]).value, 1500)
})
