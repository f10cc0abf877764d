import t from 'tap'
import { currentEgress, diagnose, dockerdMtu, exitCodeOf } from '../../src/doctor/diagnose.js'
import { conntrackDeleteCommand as deleteCommand } from '../../src/tools/conntrack.js'
import { doctorReport, formatFindings } from '../../src/doctor/format.js'
import type { ContainerInfo, Finding, NetworkInfo, RunningDockerd } from '../../src/doctor/types.js'
import type { ConntrackEntry, MachineState } from '../../src/model.js'
import { planFromState } from '../../src/plan/plan.js'
import { loadCases } from '../helpers/cases.js'
import { link, route, state } from '../helpers/state.js'

const bridgeNet = (mtu: number | null, extra: Partial<NetworkInfo> = {}): NetworkInfo =>
  ({ name: 'bridge', id: 'da0f9300c692', driver: 'bridge', bridge: 'docker0', mtu, subnets: ['172.17.0.0/16'], ...extra })

function dockerd(extra: Partial<RunningDockerd> = {}, api: { containers?: ContainerInfo[] | null, networks?: NetworkInfo[] | null, error?: string | null } = {}): RunningDockerd {
  return {
    pid: 4242, command: '/usr/bin/dockerd', argv: [], started_at: '2026-01-02T03:04:05Z', via_wrapper: false,
    daemon_json: null, daemon_json_path: '/etc/docker/daemon.json', daemon_json_error: null,
    ...extra,
    api: {
      socket: '/var/run/docker.sock', error: api.error ?? null,
      containers: api.containers === undefined ? [{ id: 'aaaaaaaaaaaa', name: 'web', ips: ['172.17.0.2'] }] : api.containers,
      networks: api.networks === undefined ? [bridgeNet(1500)] : api.networks,
    },
  }
}

/** A dind namespace: eth0 (egress), docker0 with one container veth. */
function dind(o: { egress?: number, bridge?: number, veth?: number, assign?: number, extra?: Partial<MachineState> } = {}): MachineState {
  return state({
    links: [
      link('lo', 65536, { type: 'loopback', mac: '00:00:00:00:00:00', addrs: ['127.0.0.1/8'] }),
      link('eth0', o.egress ?? 1450, { type: 'veth', addrs: ['10.0.0.5/24'] }),
      link('docker0', o.bridge ?? 1500, { type: 'bridge', mac: '02:42:b8:6c:71:20', addr_assign_type: o.assign ?? 3, addrs: ['172.17.0.1/16'] }),
      link('vethcf39c90', o.veth ?? 1500, { type: 'veth', master: 'docker0', addr_assign_type: 1 }),
    ],
    routes4: [route('default', 'eth0', { gw: '10.0.0.1' }), route('10.0.0.0/24', 'eth0'), route('172.17.0.0/16', 'docker0')],
    conntrack: [],
    read_errors: [],
    ...o.extra,
  })
}

const of = (fs: Finding[], check: string, severity?: string) => fs.filter((f) => f.check === check && (!severity || f.severity === severity))

t.test('plain dockerd on a 1450 egress: dockerd, bridge and veth flagged, exit 1, each with a fix', async (t) => {
  const fs = diagnose(dind(), [dockerd()])
  t.equal(exitCodeOf(fs), 1)
  t.match(of(fs, 'egress'), [{ severity: 'ok', subject: 'eth0', mtu: 1450 }])
  const mtu = of(fs, 'mtu', 'problem')
  t.equal(mtu.length, 1)
  t.match(mtu[0].message, /gives containers mtu 1500 \(the daemon's default bridge network, from its API\) but the egress eth0 has mtu 1450/)
  t.match(mtu[0].fix, /--mtu=1450/)
  t.match(of(fs, 'bridge', 'problem'), [{ subject: 'docker0', mtu: 1500 }])
  t.match(of(fs, 'port', 'problem'), [{ subject: 'vethcf39c90', mtu: 1500 }])
  t.same(of(fs, 'bridge-mac'), [], 'docker0 created by dockerd has a fixed MAC (addr_assign_type 3): not flagged')
  for (const f of fs) if (f.severity !== 'ok' && f.severity !== 'info') t.ok(f.fix, `${f.check} ${f.subject} says what to do`)
})

t.test('without the API, the MTU comes from argv, daemon.json or the 1500 default', async (t) => {
  const noApi = { networks: null, containers: null, error: 'connect ENOENT' }
  t.same(dockerdMtu(dockerd({}, noApi)), { value: 1500, source: 'dockerd\'s default, no --mtu', explicit: false })
  t.match(dockerdMtu(dockerd({ argv: ['--mtu', '1400'] }, noApi)), { value: 1400, source: 'its --mtu 1400', explicit: true })
  t.match(dockerdMtu(dockerd({ daemon_json: { mtu: 1380 } }, noApi)), { value: 1380, source: 'daemon.json "mtu": 1380', explicit: true })
  t.match(dockerdMtu(dockerd({ argv: ['--mtu=1400'] }, { networks: [bridgeNet(1400)] })), { value: 1400, source: 'its --mtu=1400', explicit: true })
  const fs = diagnose(dind(), [dockerd({}, noApi)])
  t.match(of(fs, 'api'), [{ severity: 'info', message: /connect ENOENT/ }])
  t.match(of(fs, 'conntrack'), [{ severity: 'info', message: /not checked: the running containers' addresses are unknown/ }])
  t.equal(exitCodeOf(fs), 1, 'the MTU problem is found without the API')
})

t.test('through the wrapper: --mtu=1450, docker0 and veth at 1450: healthy, exit 0', async (t) => {
  const fs = diagnose(dind({ bridge: 1450, veth: 1450 }), [dockerd({ argv: ['--mtu=1450'], via_wrapper: true }, { networks: [bridgeNet(1450)] })])
  t.equal(exitCodeOf(fs), 0, JSON.stringify(fs.filter((f) => f.severity !== 'ok'), null, 1))
  t.same(fs.filter((f) => f.severity === 'warn' || f.severity === 'problem'), [])
  t.match(of(fs, 'dockerd'), [{ message: /started through dockerd-autonet.*mtu 1450 \(its --mtu=1450\)/ }])
  t.match(of(fs, 'mtu', 'ok'), [{ message: 'mtu 1450 fits the egress eth0 mtu 1450' }])
})

t.test('drift: started with --mtu=1450, the egress now carries 1400 (link or route MTU changed)', async (t) => {
  const d = dockerd({ argv: ['--mtu=1450'], via_wrapper: true }, { networks: [bridgeNet(1450)] })
  for (const [what, s] of [
    ['link MTU lowered', dind({ egress: 1400, bridge: 1450, veth: 1450 })],
    ['route mtu added', dind({ bridge: 1450, veth: 1450, extra: { routes4: [route('default', 'eth0', { gw: '10.0.0.1', mtu: 1400 })] } })],
  ] as const) {
    const fs = diagnose(s, [d])
    const drift = of(fs, 'drift', 'problem')
    t.equal(drift.length, 1, what)
    t.match(drift[0].message, /runs with mtu 1450 \(its --mtu=1450\) but the egress eth0 now has mtu 1400: the egress or its MTU changed after dockerd started \(routes can change after start, moby#18108\)/, what)
    t.match(drift[0].fix, /restart dockerd through dockerd-autonet so it plans --mtu=1400.*recreate the containers/, what)
    t.match(of(fs, 'port', 'problem'), [{ subject: 'vethcf39c90', mtu: 1450 }], `${what}: the veth made at 1450 is too big now`)
    t.equal(exitCodeOf(fs), 1)
  }
  const grown = diagnose(dind({ egress: 1500, bridge: 1400, veth: 1400 }), [dockerd({ argv: ['--mtu=1400'] }, { networks: [bridgeNet(1400)] })])
  t.match(of(grown, 'drift'), [{ severity: 'info', message: /smaller than the egress eth0 mtu 1500/ }])
  t.equal(exitCodeOf(grown), 0, 'a smaller MTU works')
})

t.test('daemon.json edited after start: warned, the next start is named', async (t) => {
  const fs = diagnose(dind({ bridge: 1450, veth: 1450 }), [dockerd({ daemon_json: { mtu: 1500 } }, { networks: [bridgeNet(1450)] })])
  t.match(of(fs, 'drift', 'warn'), [{ message: /now sets "mtu": 1500 but dockerd pid 4242 runs with 1450/, fix: /lower "mtu" in \/etc\/docker\/daemon.json to 1450/ }])
  t.equal(exitCodeOf(fs), 0)
})

t.test('config conflicts between the running flags and daemon.json, as the planner defines them', async (t) => {
  const d = dockerd({ argv: ['-H', 'unix:///run/d.sock', '--mtu=1450'], daemon_json: { hosts: ['unix:///x'], mtu: 1450, debug: true } }, { networks: [bridgeNet(1450)] })
  const fs = diagnose(dind({ bridge: 1450, veth: 1450 }), [d])
  const c = of(fs, 'config-conflict', 'problem')
  t.same(c.map((f) => f.data?.key), ['hosts', 'mtu'])
  t.match(c[0].message, /"hosts" is set both in \/etc\/docker\/daemon.json .* and as dockerd pid 4242's flag -H unix:\/\/\/run\/d.sock: dockerd will refuse its next start/)
  t.match(c[0].fix, /remove "hosts"/)
  const p = planFromState({ ...dind(), argv: d.argv, daemon_json: d.daemon_json })
  t.equal(p.warnings.filter((w) => w.includes('is set both in daemon.json')).length, c.length, 'the planner warns about the same keys')
})

t.test('bridge MAC: flagged for a bridge dockerd did not create, when it matters', async (t) => {
  const s = dind({ bridge: 1450, veth: 1450, extra: {} })
  s.links.push(
    link('br0', 1450, { type: 'bridge', mac: '02:00:00:00:00:0a', addr_assign_type: 1, addrs: ['10.99.0.1/24'] }),
    link('vethA', 1450, { type: 'veth', master: 'br0', mac: '02:00:00:00:00:0a' }),
    link('vethB', 1450, { type: 'veth', master: 'br0', mac: '02:00:00:00:00:2b' }),
    link('br-0123456789ab', 1450, { type: 'bridge', addr_assign_type: 1 }),
  )
  const fs = diagnose(s, [dockerd({ argv: ['--mtu=1450', '--bridge=br0'] }, { networks: [bridgeNet(1450, { bridge: 'br0' })] })])
  const macs = of(fs, 'bridge-mac')
  t.match(macs, [
    { subject: 'br0', severity: 'problem', message: /no fixed MAC \(addr_assign_type 1, now 02:00:00:00:00:0a\).*2 ports now/, fix: /^pin it: ip link set dev br0 address [0-9a-f:]{17}/ },
    { subject: 'br-0123456789ab', severity: 'warn', message: /0 ports now/ },
  ])
  t.notOk(macs.some((f) => f.subject === 'docker0'), 'docker0 (addr_assign_type 3) is fine')
  t.match(of(fs, 'bridge').map((f) => f.subject), ['docker0', 'br0', 'br-0123456789ab'], 'docker bridges and the --bridge one are listed')
})

t.test('conntrack: entries of gone containers flagged with exact delete commands; live, local and closing ones not', async (t) => {
  const ct = (id: string, proto: string, src: string, dst: string, extra: Partial<ConntrackEntry> = {}): ConntrackEntry => ({
    id, proto, flags: [], orig: { src, dst, sport: 40000, dport: 8125 }, reply: { src: dst, dst: '10.0.0.5', sport: 8125, dport: 40000 }, ...extra,
  })
  const entries = [
    ct('A', 'udp', '172.17.0.9', '10.0.0.50', { flags: ['UNREPLIED'] }),
    ct('B', 'udp', '172.17.0.2', '10.0.0.50'),
    ct('C', 'udp', '10.0.0.5', '10.0.0.53'),
    ct('D', 'tcp', '172.17.0.7', '10.0.0.60', { state: 'TIME_WAIT' }),
    ct('E', 'udp', '172.17.0.1', '224.0.0.251'),
    ct('F', 'udp', '172.20.0.5', '10.0.0.50'),
  ]
  const nets = [bridgeNet(1450), { name: 'ci', id: '0123456789ab', driver: 'bridge', bridge: 'br-0123456789ab', mtu: null, subnets: ['172.20.0.0/16'] }]
  const fs = diagnose(dind({ bridge: 1450, veth: 1450, extra: { conntrack: entries } }), [dockerd({ argv: ['--mtu=1450'] }, { networks: nets })])
  const bad = of(fs, 'conntrack', 'problem')
  t.equal(bad.length, 1)
  t.same(bad[0].data?.ids, ['A', 'F'], 'gone container on docker0 and on a user network; not the live one, the host\'s own or the bridge address')
  t.match(bad[0].message, /2 of 6 conntrack entries point at docker addresses no running container has: udp 172.17.0.9 -> 10.0.0.50:8125 \(172.17.0.9 in 172.17.0.0\/16\)/)
  t.match(bad[0].fix, /conntrack -D -p udp -s 172.17.0.9 -d 10.0.0.50 --sport 40000 --dport 8125/)
  t.match(of(fs, 'conntrack', 'info'), [{ message: /1 closing TCP entry/ }])
  t.equal(exitCodeOf(fs), 1)
  t.equal(deleteCommand({ id: 'x', proto: 'icmp', orig: { src: 'fd00::2', dst: '2001:db8::1' }, reply: { src: '2001:db8::1', dst: 'fd00::2' } }),
    'conntrack -D -f ipv6 -p icmp -s fd00::2 -d 2001:db8::1')

  const clean = diagnose(dind({ bridge: 1450, veth: 1450, extra: { conntrack: [entries[1], entries[2]] } }), [dockerd({ argv: ['--mtu=1450'] }, { networks: nets })])
  t.match(of(clean, 'conntrack'), [{ severity: 'ok', message: /2 entries; none points at a docker address/ }])
  const unread = diagnose(dind({ extra: { conntrack: undefined, read_errors: ['conntrack: `conntrack -L -f ipv4` could not be run (not found); conntrack-tools not installed, entries unknown'] } }), [dockerd()])
  t.match(of(unread, 'conntrack'), [{ severity: 'info', message: /not checked: conntrack entries could not be read \(conntrack: .*not installed/ }])
})

t.test('could not check: no dockerd here, or no interfaces (exit 2 unless something is broken)', async (t) => {
  const none = diagnose(dind({ bridge: 1450, veth: 1450 }), [])
  t.match(of(none, 'dockerd'), [{ severity: 'unknown', fix: /docker exec CONTAINER dockerd-autonet doctor/ }])
  t.equal(exitCodeOf(none), 2)
  t.equal(exitCodeOf(diagnose(dind(), [])), 1, 'a leftover 1500 bridge with a port is still a problem')
  const blind = diagnose({ links: [], routes4: [], routes6: [], daemon_json: null, argv: [], read_errors: ['links: cannot list network interfaces in /sys/class/net: EACCES'] }, [dockerd()])
  t.match(of(blind, 'links'), [{ severity: 'unknown', message: /EACCES/ }])
  t.equal(exitCodeOf(blind), 2)
})

t.test('no default route: nothing to compare MTUs with, said once, no MTU verdicts', async (t) => {
  const fs = diagnose(dind({ extra: { routes4: [route('10.0.0.0/24', 'eth0')] } }), [dockerd()])
  t.match(of(fs, 'egress'), [{ severity: 'info', message: /no default route/ }])
  t.same([...of(fs, 'mtu'), ...of(fs, 'drift'), ...of(fs, 'bridge', 'problem'), ...of(fs, 'port', 'problem')], [])
  t.equal(exitCodeOf(fs), 0)
})

t.test('the egress is the planner\'s for every shared case (policy rules, multipath, tunnels)', async (t) => {
  for (const c of loadCases()) {
    const fs = diagnose(c.fixture, [])
    const egress = of(fs, 'egress', 'ok')[0]
    t.equal(egress?.subject ?? null, planFromState(c.fixture).egress, c.file)
  }
})

t.test("the egress MTU doctor compares with is the path's, whatever MTU the user set", async (t) => {
  const jumbo = { ...dind(), links: dind().links.map((l) => l.name === 'eth0' ? { ...l, mtu: 9001 } : l) }
  t.match(currentEgress(jumbo, ['--mtu', '1400', '--mtu=1300'], { mtu: 1200 }), { dev: 'eth0', mtu: 9001 }, 'no user MTU and no 1500 cap')
})

t.test('table and JSON', async (t) => {
  const fs = diagnose(dind(), [dockerd()])
  const text = formatFindings(fs)
  t.match(text, /^STATUS\s+CHECK\s+SUBJECT\s+MTU\s+FINDING\n/)
  t.match(text, /\nPROBLEM\s+mtu\s+dockerd pid 4242\s+1500\s+dockerd pid 4242 gives containers mtu 1500/)
  t.match(text, /\n\s+fix: start dockerd through dockerd-autonet/)
  t.match(text, /\nproblems found \(3 problems\): exit 1\n$/)
  const report = doctorReport(fs, [dockerd()])
  t.match(report, { status: 'problems', exit_code: 1, egress: { dev: 'eth0', mtu: 1450 }, dockerds: [{ pid: 4242, api: { containers: 1, networks: ['bridge'] } }] })
  t.equal(report.counts.problem, 3)
  t.same(JSON.parse(JSON.stringify(report)).findings, fs, 'findings serialize as they are')
})

t.test('the fix for an entry conntrack lists as "unknown" (IGMP) selects it by number, as the clean-up does (it said -p unknown)', async (t) => {
  const igmp: ConntrackEntry = { id: 'G', proto: 'unknown', protonum: 2, flags: [], orig: { src: '172.17.0.4', dst: '224.0.0.22' }, reply: { src: '224.0.0.22', dst: '172.17.0.4' } }
  const fs = diagnose(dind({ bridge: 1450, veth: 1450, extra: { conntrack: [igmp] } }), [dockerd({ argv: ['--mtu=1450'] })])
  const bad = of(fs, 'conntrack', 'problem')
  t.equal(bad.length, 1)
  t.match(bad[0].fix, /delete them: conntrack -D -p 2 -s 172\.17\.0\.4 -d 224\.0\.0\.22 \(/)
  t.notMatch(bad[0].fix, /-p unknown/)
})

t.test('the table of 200,000 findings: columns sized without spreading them into a call', async (t) => {
  const many: Finding[] = []
  for (let i = 0; i < 200_000; i++) many.push({ check: 'bridge', severity: 'info', subject: `br-${i}`, mtu: 1500, message: 'x', fix: null })
  const text = formatFindings(many)
  t.match(text, /^STATUS  CHECK   SUBJECT    MTU   FINDING\n/, 'SUBJECT as wide as br-199999')
  t.equal(text.split('\n').length, 200_000 + 4)
})
