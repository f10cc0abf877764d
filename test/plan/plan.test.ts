import t from 'tap'
import { DEFAULT_PLAN_OPTIONS } from '../../src/model.js'
import { planFromState } from '../../src/plan/plan.js'
import { link, route, state } from '../helpers/state.js'

const opts = DEFAULT_PLAN_OPTIONS

t.test('user flags come first, in order; planned flags follow in --flag=value form', async (t) => {
  const p = planFromState(state({ argv: ['-H', 'fd://', '--debug', '--storage-driver', 'vfs'] }))
  t.same(p.args, ['-H', 'fd://', '--debug', '--storage-driver', 'vfs', '--mtu=1450'])
  t.equal(p.egress, 'eth0')
  t.equal(p.mtu, 1450)
  t.ok(p.reasons.includes('--mtu=1450: egress eth0 via default route, mtu 1450'), p.reasons.join('\n'))
})

t.test('planned flags go before a "--" the user gave', async (t) => {
  t.same(planFromState(state({ argv: ['--debug', '--', 'x'] })).args, ['--debug', '--mtu=1450', '--', 'x'])
})

t.test('jumbo frames are capped at 1500 unless the user opts in', async (t) => {
  const s = state({ links: [link('eth0', 9001)] })
  t.equal(planFromState(s).mtu, 1500)
  t.match(planFromState(s).reasons.join('\n'), /capped at 1500/)
  t.equal(planFromState(s, { ...opts, maxMtu: 9000 }).mtu, 9000)
  t.equal(planFromState(s, { ...opts, maxMtu: 65536 }).mtu, 9001)
})

t.test('an absurdly small egress MTU is raised to 576 with a warning', async (t) => {
  const p = planFromState(state({ links: [link('eth0', 500)] }))
  t.equal(p.mtu, 576)
  t.match(p.warnings.join('\n'), /below 576/)
})

t.test('an MTU below 1280 with IPv6 on warns', async (t) => {
  const p = planFromState(state({ links: [link('eth0', 1200)], argv: ['--ipv6'] }))
  t.equal(p.mtu, 1200)
  t.match(p.warnings.join('\n'), /1280/)
  t.same(planFromState(state({ links: [link('eth0', 1200)] })).warnings, [], 'no warning without IPv6')
})

t.test('a non-numeric user --mtu is kept and named in a warning', async (t) => {
  const p = planFromState(state({ argv: ['--mtu', 'big'] }))
  t.same(p.args, ['--mtu', 'big'])
  t.equal(p.mtu, null)
  t.match(p.warnings.join('\n'), /your --mtu big is not an integer: dockerd refuses it \(pflag: invalid argument "big" for "--mtu" flag\)/)
})

t.test('all-routes scope takes the smallest MTU over links with routes, not docker bridges or lo', async (t) => {
  const s = state({
    links: [link('lo', 65536, { type: 'loopback' }), link('eth0', 1500), link('wg0', 1420, { type: 'wireguard' }),
      link('docker0', 1300, { type: 'bridge' }), link('down0', 1000, { up: false })],
    routes4: [route('default', 'eth0'), route('10.8.0.0/16', 'wg0'), route('172.17.0.0/16', 'docker0'), route('10.9.0.0/16', 'down0')],
  })
  t.equal(planFromState(s).mtu, 1500, 'default-route scope: the egress')
  const p = planFromState(s, { ...opts, mtuScope: 'all-routes' })
  t.equal(p.mtu, 1420)
  t.match(p.reasons.join('\n'), /all-routes.*wg0/)
})

t.test('engine version gate: 24+ gets --default-network-opt, 20.10 not; both get the MSS clamp', async (t) => {
  const newer = planFromState(state({ dockerd_version: '24.0.7' }))
  t.ok(newer.args.includes('--default-network-opt=bridge=com.docker.network.driver.mtu=1450'))
  t.same(newer.actions.filter((a) => a.type === 'clamp-mss').map((a) => (a as { mtu: number }).mtu), [1450], 'persisted and explicit-mtu networks and nested engines still need it')
  const older = planFromState(state({ dockerd_version: '20.10.24+dfsg1' }))
  t.notOk(older.args.some((a) => a.startsWith('--default-network-opt')))
  t.same(older.actions.filter((a) => a.type === 'clamp-mss').map((a) => (a as { mtu: number }).mtu), [1450])
  t.match(older.reasons.join('\n'), /20\.10 predates --default-network-opt/)
  t.match(older.actions.find((a) => a.type === 'clamp-mss'), { ipv6: false })
  t.match(planFromState(state({ dockerd_version: '20.10.24', argv: ['--ipv6'] })).actions.find((a) => a.type === 'clamp-mss'), { ipv6: true }, 'IPv6 on: the rule goes into ip6tables too')
  for (const v of ['20.10.24', '26.1.5']) {
    const optedOut = planFromState(state({ dockerd_version: v }), { ...opts, clampMss: false })
    t.notOk(optedOut.actions.some((a) => a.type === 'clamp-mss'), `${v}: --autonet-no-clamp-mss turns it off`)
  }
  const at1500 = planFromState(state({ links: [link('eth0', 1500)], dockerd_version: '20.10.24' }))
  t.notOk(at1500.actions.some((a) => a.type === 'clamp-mss'), 'nothing to clamp when the path carries 1500')
})

t.test('a user --default-network-opt for the MTU is kept, and not duplicated', async (t) => {
  const p = planFromState(state({ dockerd_version: '27.3.1', argv: ['--default-network-opt', 'bridge=com.docker.network.driver.mtu=1400'] }))
  t.equal(p.args.filter((a) => a.includes('com.docker.network.driver.mtu')).length, 1)
})

t.test('daemon.json "default-network-opt" (singular) is named as ignored', async (t) => {
  const p = planFromState(state({ daemon_json: { 'default-network-opt': { bridge: {} } } }))
  t.match(p.warnings.join('\n'), /plural key "default-network-opts"/)
})

t.test('a planned flag whose daemon.json key is set is never passed', async (t) => {
  const p = planFromState(state({ dockerd_version: '27.3.1', daemon_json: { 'default-network-opts': { overlay: {} } } }))
  t.notOk(p.args.some((a) => a.startsWith('--default-network-opt')))
  t.match(p.reasons.join('\n'), /daemon\.json sets "default-network-opts"/)
})

t.test('a planned flag whose key sits in a flattened daemon.json object is never passed (dockerd compares the flattened keys)', async (t) => {
  const p = planFromState(state({ dockerd_version: '20.10.24', daemon_json: { proxies: { mtu: 1400 } } }))
  t.notOk(p.args.some((a) => a.startsWith('--mtu')), JSON.stringify(p.args))
  t.match(p.reasons.join('\n'), /not passing --mtu: daemon\.json sets "mtu"/)
  const q = planFromState(state({ argv: ['--http-proxy=http://q:3128'], daemon_json: { proxies: { 'http-proxy': 'http://p:3128' } } }))
  t.match(q.warnings.join('\n'), /"http-proxy" is set both in daemon\.json \("http:\/\/p:3128"\) and as a flag \(--http-proxy=http:\/\/q:3128\)/)
})

t.test('a flag given twice (argv and daemon.json) is warned about, naming both', async (t) => {
  const p = planFromState(state({ argv: ['-b', 'br0'], daemon_json: { bridge: 'br1' } }))
  t.match(p.warnings.join('\n'), /"bridge" is set both in daemon\.json \("br1"\) and as a flag \(-b br0\)/)
})

t.test('bridge MAC: pinned when implicit, kept when explicit, skipped when opted out, warned when missing', async (t) => {
  const ports = [link('veth1', 1500, { type: 'veth', master: 'br-ci', mac: '02:00:00:00:00:05' })]
  const implicit = state({ argv: ['--bridge=br-ci'], links: [link('eth0', 1500), link('br-ci', 1500, { type: 'bridge', mac: '02:00:00:00:00:05', addr_assign_type: 0 }), ...ports] })
  const pin = planFromState(implicit).actions.find((a) => a.type === 'pin-bridge-mac') as { mac: string } | undefined
  t.ok(pin)
  t.equal(pin?.mac, (planFromState(implicit).actions.find((a) => a.type === 'pin-bridge-mac') as { mac: string }).mac, 'same MAC every run')
  t.equal(parseInt(pin!.mac.slice(0, 2), 16) & 3, 2, 'locally administered unicast')
  const explicit = state({ argv: ['--bridge=br-ci'], links: [link('eth0', 1500), link('br-ci', 1500, { type: 'bridge', addr_assign_type: 3 })] })
  t.notOk(planFromState(explicit).actions.some((a) => a.type === 'pin-bridge-mac'))
  t.notOk(planFromState(implicit, { ...opts, pinBridgeMac: false }).actions.some((a) => a.type === 'pin-bridge-mac'))
  // dockerd refuses a missing non-default bridge: the start steps aside (trial 5: the clamp was applied, --mtu appended).
  const missing = planFromState(state({ argv: ['-b', 'br-gone'] }))
  t.equal(missing.error, 'bridge "br-gone" named by --bridge/daemon.json does not exist: dockerd refuses to start without it ("bridge device with non default name br-gone must be created manually"); create it or use --autonet-bridge=br-gone=CIDR')
  t.same(missing.actions.filter((a) => a.type === 'pin-bridge-mac'), [], 'nothing to pin')
})

t.test('create a second daemon bridge: planned when missing, idempotent when present, clash named', async (t) => {
  const req = { ...opts, createBridge: { name: 'br-ci', cidr: '10.99.0.1/24' } }
  const fresh = planFromState(state(), req)
  const act = fresh.actions.find((a) => a.type === 'create-bridge') as { bridge: string, cidr: string, mac: string } | undefined
  t.same([act?.bridge, act?.cidr], ['br-ci', '10.99.0.1/24'])
  t.ok(fresh.args.includes('--bridge=br-ci'))
  t.notOk(fresh.actions.some((a) => a.type === 'pin-bridge-mac'), 'created with its MAC from birth')
  const present = planFromState(state({ links: [link('eth0', 1450), link('br-ci', 1500, { type: 'bridge', addrs: ['10.99.0.1/24'], addr_assign_type: 3 })] }), req)
  t.notOk(present.actions.some((a) => a.type === 'create-bridge'))
  t.equal(present.error, null)
  const clash = planFromState(state({ links: [link('eth0', 1450), link('br-ci', 1500, { type: 'bridge', addrs: ['10.50.0.1/24'] })] }), req)
  t.match(clash.warnings.join('\n'), /br-ci exists with 10\.50\.0\.1\/24, not 10\.99\.0\.1\/24/)
  const overlap = planFromState(state({ routes4: [route('default', 'eth0'), route('10.99.0.0/16', 'eth0')] }), req)
  t.match(overlap.error, /overlaps the route 10\.99\.0\.0\/16 dev eth0/)
  t.same(planFromState(state({ argv: ['-b', 'br-other'] }), req).args.filter((a) => a.startsWith('--bridge')), [], 'user bridge wins')
})

t.test('stale conntrack: the pod on the outer docker0 range keeps its own flows', async (t) => {
  // GitLab runner: the dind container's eth0 is itself 172.17.0.3/16 on the outer docker0.
  const s = state({
    links: [link('eth0', 1500, { addrs: ['172.17.0.3/16'] })],
    routes4: [route('default', 'eth0', { gw: '172.17.0.1' })],
    conntrack: [
      { id: 'own', proto: 'tcp', state: 'ESTABLISHED', flags: ['ASSURED'], orig: { src: '172.17.0.3', dst: '172.17.0.1', sport: 40000, dport: 443 }, reply: { src: '172.17.0.1', dst: '172.17.0.3', sport: 443, dport: 40000 } },
    ],
  })
  const p = planFromState(s)
  t.notOk(p.actions.some((a) => a.type === 'conntrack-delete'))
  t.match(p.reasons.join('\n'), /not stale: 172\.17\.0\.0\/16 \(overlaps eth0/)
})

t.test('stale conntrack: --bip adds its subnet; opting out plans nothing', async (t) => {
  const entry = { id: 'X', proto: 'udp', flags: [], orig: { src: '10.0.0.9', dst: '10.0.0.5', sport: 1, dport: 2 }, reply: { src: '192.168.77.2', dst: '10.0.0.9', sport: 2, dport: 1 } }
  const withBip = planFromState(state({ argv: ['--bip=192.168.77.1/24'], conntrack: [entry] }))
  t.same(withBip.actions.filter((a) => a.type === 'conntrack-delete').map((a) => (a as { ids: string[] }).ids), [['X']])
  t.notOk(planFromState(state({ conntrack: [entry] })).actions.some((a) => a.type === 'conntrack-delete'), 'not docker\'s without --bip')
  t.notOk(planFromState(state({ argv: ['--bip=192.168.77.1/24'], conntrack: [entry] }), { ...opts, conntrackCleanup: false }).actions.some((a) => a.type === 'conntrack-delete'))
})

t.test('reader errors surface as warnings; a state with nothing in it plans nothing and does not throw', async (t) => {
  const p = planFromState({ links: [], routes4: [], routes6: [], daemon_json: null, argv: ['--debug'], read_errors: ['/sys/class/net: EACCES'] })
  t.same(p.args, ['--debug'])
  t.equal(p.mtu, null)
  t.match(p.warnings.join('\n'), /EACCES/)
  const bare = planFromState({ argv: [] } as never)
  t.same(bare.args, [])
})

t.test('an existing --autonet-bridge without a fixed MAC is pinned; one without an address gets it', async (t) => {
  const req = { ...opts, createBridge: { name: 'br-ci', cidr: '10.99.0.1/24' } }
  const implicitMac = planFromState(state({ links: [link('eth0', 1450), link('br-ci', 1500, { type: 'bridge', addrs: ['10.99.0.1/24', 'fe80::1/64'], addr_assign_type: 1 })] }), req)
  const bridgeActions = (p: { actions: { type: string }[] }) => p.actions.map((a) => a.type).filter((x) => x !== 'clamp-mss')
  t.same(bridgeActions(implicitMac), ['pin-bridge-mac'], 'nothing to create, MAC pinned')
  t.ok(implicitMac.args.includes('--bridge=br-ci'))
  const bare = planFromState(state({ links: [link('eth0', 1450), link('br-ci', 1500, { type: 'bridge', addrs: ['fe80::1/64'], addr_assign_type: 3 })] }), req)
  t.same(bridgeActions(bare), ['create-bridge'], 'address added by the idempotent create step')
  t.equal(bare.error, null)
  const clash = planFromState(state({ links: [link('eth0', 1450), link('br-ci', 1500, { type: 'bridge', addrs: ['10.98.0.1/24', 'fe80::1/64'] })] }), req)
  t.equal(clash.error, null, 'another address: not an error, the bridge is used as it is')
  t.ok(clash.warnings.includes('--autonet-bridge=br-ci=10.99.0.1/24: br-ci exists with 10.98.0.1/24, not 10.99.0.1/24; dockerd uses it as it is (remove it, or fix the option, to get 10.99.0.1/24)'), clash.warnings.join('\n'))
  t.ok(clash.args.includes('--bridge=br-ci'), 'a second daemon never falls back onto docker0')
  t.notOk(clash.actions.some((a) => a.type === 'create-bridge'), 'nothing created')
  const veth = planFromState(state({ links: [link('eth0', 1450), link('br-ci', 1500, { type: 'veth' })] }), req)
  t.equal(veth.error, '--autonet-bridge=br-ci=10.99.0.1/24: br-ci exists as a veth with no address, not a bridge: not taken over; dockerd is still told --bridge=br-ci and will refuse it ("existing interface br-ci is not a bridge"); remove it or choose another name')
})

t.test('stale conntrack: a docker bridge with ports belongs to a running daemon; its flows stay', async (t) => {
  const flow = { id: 'live', proto: 'tcp', state: 'ESTABLISHED', flags: ['ASSURED'], orig: { src: '172.17.0.2', dst: '198.18.0.1', sport: 40000, dport: 80 }, reply: { src: '198.18.0.1', dst: '10.0.0.5', sport: 80, dport: 40000 } }
  const base = {
    routes4: [route('default', 'eth0', { gw: '10.0.0.1' }), route('172.17.0.0/16', 'docker0')],
    conntrack: [flow],
  }
  const idle = planFromState(state({ ...base, links: [link('eth0', 1450, { addrs: ['10.0.0.5/24'] }), link('docker0', 1500, { type: 'bridge', addrs: ['172.17.0.1/16'] })] }))
  t.same(idle.actions.filter((a) => a.type === 'conntrack-delete').map((a) => (a as { ids: string[] }).ids), [['live']], 'docker0 without ports: its entries are stale')
  const busy = planFromState(state({ ...base, links: [link('eth0', 1450, { addrs: ['10.0.0.5/24'] }), link('docker0', 1500, { type: 'bridge', addrs: ['172.17.0.1/16'] }), link('veth1', 1500, { type: 'veth', master: 'docker0' })] }))
  t.notOk(busy.actions.some((a) => a.type === 'conntrack-delete'), 'docker0 with a container attached: kept')
  t.match(busy.reasons.join('\n'), /not stale: 172\.17\.0\.0\/16 \(overlaps docker0, in use by 1 port\)/)
})

t.test("stale conntrack: docker0's local-table, link-local and multicast routes are not docker subnets", async (t) => {
  const ll = { id: 'll', proto: 'udp', flags: [], orig: { src: 'fe80::1', dst: 'ff02::fb', sport: 5353, dport: 5353 }, reply: { src: 'ff02::fb', dst: 'fe80::1', sport: 5353, dport: 5353 } }
  const s = state({
    links: [link('eth0', 1450, { addrs: ['10.0.0.5/24', 'fe80::1/64'] }), link('docker0', 1500, { type: 'bridge', addrs: ['172.17.0.1/16', 'fe80::42:1/64'] })],
    routes6: [route('fe80::/64', 'docker0', { metric: 256 }), route('ff00::/8', 'docker0', { table: 'local', type: 'multicast' }), route('fe80::42:1', 'docker0', { table: 'local', type: 'local' })],
    conntrack: [ll],
  })
  const p = planFromState(s)
  t.notOk(p.actions.some((a) => a.type === 'conntrack-delete'), 'the pod\'s mDNS flow is kept')
  t.notMatch(p.reasons.join('\n'), /fe80|ff00/, 'no link-local or multicast range counted')
})

t.test("a default route over docker's own bridge is warned about", async (t) => {
  const p = planFromState(state({ links: [link('docker0', 1500, { type: 'bridge' })], routes4: [route('default', 'docker0')] }))
  t.equal(p.egress, 'docker0')
  t.match(p.warnings.join('\n'), /the default route leaves via docker0, the bridge containers sit on/)
  t.same(planFromState(state()).warnings, [], 'no such warning for an ordinary egress')
})

t.test('an MTU of 0 is dockerd\'s default (1500), planned for as if unset; a negative one is refused by dockerd', async (t) => {
  const flag = planFromState(state({ argv: ['--mtu=0'] }))
  t.same(flag.args, ['--mtu=0', '--mtu=1450'], 'pflag: the last --mtu wins')
  t.equal(flag.mtu, 1450)
  t.match(flag.reasons.join('\n'), /your --mtu=0 means dockerd's default \(1500\); planning as if no MTU were set/)
  t.notMatch(flag.warnings.join('\n'), /not a usable MTU/)
  const file = planFromState(state({ daemon_json: { mtu: 0 } }))
  t.same(file.args, [], 'no --mtu while daemon.json sets "mtu"')
  t.match(file.warnings.join('\n'), /daemon.json "mtu": 0 gives containers 1500, more than the egress eth0 mtu 1450: .*set "mtu": 1450 in daemon.json/)
  t.notMatch(file.warnings.join('\n'), /dockerd will reject it/)
  t.match(planFromState(state({ daemon_json: { mtu: -1 } })).warnings.join('\n'), /is negative: dockerd refuses to start \("invalid default MTU: -1"\)/)
})

t.test('--mtu is read with Go\'s base prefixes, as pflag reads it', async (t) => {
  t.equal(planFromState(state({ argv: ['--mtu', '0x578'] })).mtu, 1400)
  const octal = planFromState(state({ argv: ['--mtu=01400'] }))
  t.equal(octal.mtu, 768, '01400 is octal')
  t.same(octal.warnings, [], '768 is a usable MTU below the egress: no warning')
})
