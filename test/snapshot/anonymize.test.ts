import t from 'tap'
import type { MachineState, Plan } from '../../src/model.js'
import { addressToBigInt } from '../../src/net/prefix.js'
import { planFromState } from '../../src/plan/plan.js'
import { AddressPermutation } from '../../src/snapshot/address-permutation.js'
import { anonymizeState } from '../../src/snapshot/anonymize.js'
import { loadCases } from '../helpers/cases.js'
import { link, route, state } from '../helpers/state.js'

/** What must survive anonymization: the same decision, under the new names. */
export function sameDecision(orig: Plan, anon: Plan, names: Map<string, string>): string[] {
  const bad: string[] = []
  const rename = (n: string | null) => (n === null ? null : names.get(n) ?? n)
  if (anon.egress !== rename(orig.egress)) bad.push(`egress ${anon.egress} != ${rename(orig.egress)}`)
  if (anon.mtu !== orig.mtu) bad.push(`mtu ${anon.mtu} != ${orig.mtu}`)
  if ((anon.error === null) !== (orig.error === null)) bad.push(`error ${anon.error} vs ${orig.error}`)
  const shape = (p: Plan) => p.actions.map((a) => a.type === 'conntrack-delete' ? `${a.type}:${a.ids.length}` : a.type === 'pin-bridge-mac' || a.type === 'create-bridge' ? `${a.type}:${rename(a.bridge)}` : a.type)
  const so = shape(orig).map((s) => s.replace(/:(.+)$/, (_, b) => `:${rename(b) ?? b}`))
  if (JSON.stringify(shape(anon)) !== JSON.stringify(so)) bad.push(`actions ${JSON.stringify(shape(anon))} != ${JSON.stringify(so)}`)
  if (anon.args.length !== orig.args.length) bad.push(`args ${JSON.stringify(anon.args)} vs ${JSON.stringify(orig.args)}`)
  if (anon.warnings.length !== orig.warnings.length) bad.push(`warnings ${JSON.stringify(anon.warnings)} vs ${JSON.stringify(orig.warnings)}`)
  return bad
}

t.test('every shared case replays to the same decision after anonymization (several keys)', async (t) => {
  const cases = loadCases()
  for (const c of cases) {
    for (const key of ['k1', 'another key', 'third']) {
      const a = anonymizeState(c.fixture, { key })
      const bad = sameDecision(planFromState(c.fixture), planFromState(a.state), a.names)
      t.same(bad, [], `${c.file} key "${key}"`)
    }
  }
})

t.test('nothing identifying is left: MACs, addresses outside kept ranges, identifying names', async (t) => {
  for (const c of loadCases()) {
    const a = anonymizeState(c.fixture, { key: 'leak-check' })
    const text = JSON.stringify(a.state)
    const macs = new Set<string>()
    const addrs = new Set<string>()
    for (const l of c.fixture.links) {
      if (l.mac && !/^(00:){5}00$|^(ff:){5}ff$/.test(l.mac)) macs.add(l.mac)
      for (const cidr of l.addrs ?? []) addrs.add(cidr.split('/')[0])
    }
    for (const r of [...c.fixture.routes4, ...c.fixture.routes6]) if (r.gw) addrs.add(r.gw)
    for (const m of macs) t.notOk(text.includes(`"${m}"`), `${c.file}: MAC ${m} is gone`)
    for (const addr of addrs) {
      const kept = /^(127\.|172\.17\.|::1$|0\.0\.0\.0$)/.test(addr)
      if (!kept) t.notOk(text.includes(`"${addr}/`) || text.includes(`"${addr}"`), `${c.file}: address ${addr} is gone`)
    }
    for (const [from] of a.names) t.notOk(text.includes(`"${from}"`), `${c.file}: name ${from} is gone`)
  }
})

t.test('names: identifiers replaced consistently everywhere; well-known names kept', async (t) => {
  const s: MachineState = state({
    links: [
      link('lo', 65536, { type: 'loopback', mac: '00:00:00:00:00:00' }),
      link('eth0', 1450, { type: 'veth', mac: '0a:58:0a:00:00:05', addrs: ['10.0.0.5/23'] }),
      link('docker0', 1500, { type: 'bridge', addrs: ['172.17.0.1/16'] }),
      link('br-0123456789ab', 1500, { type: 'bridge', addrs: ['172.20.0.1/16'] }),
      link('br-jenkins', 1500, { type: 'bridge', addrs: ['10.99.0.1/24'] }),
      link('veth1a2b3c', 1500, { type: 'veth', master: 'br-jenkins' }),
      link('vethdeadbee', 1500, { type: 'veth', master: 'docker0' }),
      link('tailscale0', 1280, { type: 'tun', mac: null }),
      link('flannel.1', 1450, { type: 'vxlan' }), link('cni0', 1450, { type: 'bridge' }), link('enx00e04c680001', 1500),
    ],
    routes4: [route('default', 'eth0', { gw: '10.0.0.1' }), route('10.99.0.0/24', 'br-jenkins'), route('0.0.0.0/0', 'tailscale0', { table: '52' })],
    rules4: [{ priority: 5270, src: 'all', table: '52', iif: 'br-jenkins' }],
    daemon_json: { bridge: 'br-jenkins', bip: '10.99.0.1/24' },
    argv: ['-bbr-jenkins', '--bridge', 'br-jenkins'],
    read_errors: ['links: link veth1a2b3c: vanished while being read (ENOENT on /sys/class/net/veth1a2b3c/mtu); skipped'],
  })
  const a = anonymizeState(s, { key: 'names' })
  t.same(Object.fromEntries(a.names), {
    'br-0123456789ab': 'br-000000000001', 'br-jenkins': 'br-0001', enx00e04c680001: 'enx0001', veth1a2b3c: 'veth0001', vethdeadbee: 'veth0002',
  })
  const out = a.state
  t.same(out.links.map((l) => l.name), ['lo', 'eth0', 'docker0', 'br-000000000001', 'br-0001', 'veth0001', 'veth0002', 'tailscale0', 'flannel.1', 'cni0', 'enx0001'])
  t.same(out.links.map((l) => l.master ?? null).filter(Boolean), ['br-0001', 'docker0'])
  t.equal(out.routes4[1].dev, 'br-0001')
  t.equal(out.rules4![0].iif, 'br-0001')
  t.same(out.argv, ['-bbr-0001', '--bridge', 'br-0001'])
  t.equal(out.daemon_json!.bridge, 'br-0001')
  t.equal(out.read_errors![0], 'links: link veth0001: vanished while being read (ENOENT on /sys/class/net/veth0001/mtu); skipped')
  // bip and the bridge's own address stay the same address; the route's network stays its network.
  const bridgeAddr = out.links[4].addrs![0]
  t.equal(out.daemon_json!.bip, bridgeAddr)
  t.match(bridgeAddr, /^10\.\d+\.\d+\.1\/24$/, 'private stays private, the host part .1 stays')
  t.equal(out.routes4[1].dst, bridgeAddr.replace(/\.1\/24$/, '.0/24'))
  t.same(sameDecision(planFromState(s), planFromState(out), a.names), [])
})

t.test('addresses: prefix-preserving, special ranges kept, networks stay networks', async (t) => {
  const p = new AddressPermutation('prefix-test')
  const rnd = (bits: number) => { let v = 0n; for (let i = 0; i < bits; i++) v = (v << 1n) | BigInt(Math.random() < 0.5 ? 1 : 0); return v }
  const common = (a: bigint, b: bigint, w: number) => { let i = 0; while (i < w && ((a >> BigInt(w - 1 - i)) & 1n) === ((b >> BigInt(w - 1 - i)) & 1n)) i++; return i }
  for (const [family, w] of [[4, 32], [6, 128]] as const) {
    for (let n = 0; n < 200; n++) {
      const a = rnd(w)
      const b = Math.random() < 0.5 ? rnd(w) : a ^ (1n << BigInt(Math.floor(Math.random() * w)))
      t.equal(common(p.map(family, a), p.map(family, b), w), common(a, b, w), `IPv${family} shared prefix length kept`)
    }
  }
  t.equal(p.mapAddress('127.0.0.1'), '127.0.0.1')
  t.equal(p.mapAddress('172.17.0.2'), '172.17.0.2', 'docker\'s default subnet is known to the planner by value')
  t.equal(p.mapAddress('::1'), '::1')
  t.equal(p.mapAddress('224.0.0.251'), '224.0.0.251')
  t.match(p.mapAddress('10.1.2.3'), /^10\./)
  t.match(p.mapAddress('192.168.7.9'), /^192\.168\./)
  t.match(p.mapAddress('100.101.102.103'), /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./, 'CGNAT (tailscale) stays in 100.64/10')
  t.match(p.mapAddress('169.254.3.4'), /^169\.254\./)
  t.match(p.mapAddress('fe80::a8c1:abff:fe12:3456'), /^fe80::/)
  t.match(p.mapAddress('fd7a:115c:a1e0::1'), /^f[cd]/)
  t.not(p.mapAddress('8.8.8.8'), '8.8.8.8')
  t.equal(p.mapText('not an address', (z) => z), null)
  const net = p.mapText('203.0.113.0/24', (z) => z)!
  t.match(net, /^203\.0\.113\.0\/24$/, 'documentation range kept, network form kept')
  const net16 = p.mapText('10.20.0.0/16', (z) => z)!
  t.match(net16, /^10\.\d+\.0\.0\/16$/)
  t.equal(p.mapText('fe80::1%veth1', (z) => z.toUpperCase()), `${p.mapAddress('fe80::1')}%VETH1`)
  const inside = addressToBigInt(p.mapAddress('10.20.30.40')).value
  t.equal(inside >> 16n, addressToBigInt(net16.split('/')[0]).value >> 16n, 'an address stays inside its mapped subnet')
})

t.test('MACs, URLs, registries, conntrack ids', async (t) => {
  const s = state({
    links: [link('eth0', 1500, { mac: '02:42:ac:11:00:02', addrs: ['10.0.0.5/24'] }), link('vethab12', 1500, { mac: '01:00:5e:00:00:fb' })],
    conntrack: [{ id: 'ct-0123456789ab', proto: 'udp', orig: { src: '10.0.0.5', dst: '8.8.8.8', sport: 1, dport: 53 }, reply: { src: '8.8.8.8', dst: '10.0.0.5', sport: 53, dport: 1 } },
      { id: 'A', proto: 'udp', orig: { src: '10.0.0.5', dst: '8.8.4.4' }, reply: { src: '8.8.4.4', dst: '10.0.0.5' } }],
    daemon_json: {
      'insecure-registries': ['registry.corp.example.com:5000', '10.0.0.9:5000'], 'registry-mirrors': ['https://mirror.corp.example.com'],
      hosts: ['tcp://10.0.0.5:2376', 'unix:///var/run/docker.sock'], 'dns-search': ['corp.example.com'], 'storage-driver': 'overlay2',
      'default-address-pools': [{ base: '10.201.0.0/16', size: 24 }],
    },
    argv: ['-H', 'tcp://10.0.0.5:2376', '--insecure-registry', 'registry.corp.example.com:5000', '--registry-mirror=https://mirror.corp.example.com', '--debug'],
    env: { DOCKER_HOST: 'tcp://docker.corp.example.com:2376' },
    dockerd_version: '20.10.24',
  })
  const a = anonymizeState(s, { key: 'misc' })
  const out = a.state
  t.equal(out.links[0].mac, '02:00:00:00:00:01')
  t.equal(out.links[1].mac, '03:00:00:00:00:02', 'multicast bit kept')
  t.same(out.conntrack!.map((e) => e.id), ['ct-000001', 'A'])
  t.equal(out.conntrack![0].orig.src, out.links[0].addrs![0].split('/')[0], 'the same address everywhere')
  const dj = out.daemon_json as any
  t.equal(dj['insecure-registries'][0], 'host1.example:5000')
  t.equal(dj['insecure-registries'][1], `${a.address('10.0.0.9')}:5000`)
  t.equal(dj['registry-mirrors'][0], 'https://host2.example')
  t.same(dj.hosts, [`tcp://${a.address('10.0.0.5')}:2376`, 'unix:///var/run/docker.sock'], 'paths are not host names')
  t.same(dj['dns-search'], ['host3.example'])
  t.equal(dj['storage-driver'], 'overlay2')
  t.match(dj['default-address-pools'][0], { base: /^10\.\d+\.0\.0\/16$/, size: 24 })
  t.same(out.argv, ['-H', `tcp://${a.address('10.0.0.5')}:2376`, '--insecure-registry', 'host1.example:5000', '--registry-mirror=https://host2.example', '--debug'])
  t.equal(out.env!.DOCKER_HOST, 'tcp://host4.example:2376')
  t.equal(out.dockerd_version, '20.10.24')
  t.not(JSON.stringify(out).includes('corp'), true)
})

t.test('the PMTU probe host is anonymized everywhere it appears: pmtu_probe, argv, env, read errors and notes', async (t) => {
  const named = state({
    argv: ['--autonet-probe', 'probe.corp.internal', '--debug'],
    env: { DOCKERD_AUTONET_PROBE: 'probe.corp.internal' },
    pmtu_probe: { host: 'probe.corp.internal', address: '203.0.113.7', family: 4, mtu: 1400, min: 576, max: 1450, probes: 9, elapsed_ms: 300, note: 'probe.corp.internal answered up to 1400 bytes' },
    read_errors: ['pmtu_probe: no answer from probe.corp.internal at 1450 bytes'],
  })
  const a = anonymizeState(named, { key: 'probe' })
  const out = a.state
  const text = JSON.stringify(out)
  t.notOk(text.includes('probe.corp.internal') || text.includes('corp'), `the host name is gone: ${text}`)
  const pseudonym = out.pmtu_probe!.host
  t.match(pseudonym, /^host\d+\.example$/, 'replaced as other host names are')
  t.equal(out.pmtu_probe!.address, a.address('203.0.113.7'), 'its address, as every other address')
  t.same(out.argv, ['--autonet-probe', pseudonym, '--debug'])
  t.equal(out.env!.DOCKERD_AUTONET_PROBE, pseudonym)
  t.equal(out.pmtu_probe!.note, `${pseudonym} answered up to 1400 bytes`)
  t.same(out.read_errors, [`pmtu_probe: no answer from ${pseudonym} at 1450 bytes`])
  t.equal(out.pmtu_probe!.mtu, 1400, 'the measured MTU stays')

  // A single-label name (no dots) and an address given as the host.
  const bare = anonymizeState(state({ argv: ['--autonet-probe=probebox'], env: { DOCKERD_AUTONET_PROBE: ' probebox ' } }), { key: 'probe' })
  t.notOk(JSON.stringify(bare.state).includes('probebox'), JSON.stringify(bare.state))
  const byAddress = anonymizeState(state({ pmtu_probe: { host: '198.51.100.9', address: '198.51.100.9', family: 4, mtu: null, min: null, max: null, probes: 0, elapsed_ms: 0, note: null } }), { key: 'probe' })
  t.equal(byAddress.state.pmtu_probe!.host, byAddress.address('198.51.100.9'))
  t.equal(byAddress.state.pmtu_probe!.address, byAddress.address('198.51.100.9'))
  t.not(byAddress.state.pmtu_probe!.host, '198.51.100.9')
})
