import t from 'tap'
import { snapshotProblems } from '../../src/snapshot/validate.js'
import { loadCases } from '../helpers/cases.js'

const ok = { links: [{ name: 'eth0', mtu: 1450, mac: null, type: 'veth', up: true }], routes4: [{ dst: 'default', dev: 'eth0' }], routes6: [], daemon_json: null, argv: [] }

t.test('every shared case is a valid snapshot', async (t) => {
  for (const c of loadCases()) t.same(snapshotProblems(c.fixture), [], c.file)
  t.same(snapshotProblems(ok), [])
  t.same(snapshotProblems({ ...ok, routes4: [{ dst: '10.0.0.1', dev: 'eth0', gw: null }, { dst: '10.0.0.0/8', dev: 'eth0', gw: '10.0.0.1' }], routes6: [{ dst: 'default', dev: 'eth0', gw: 'fe80::1' }] }), [], 'a host route, a prefix, gateways of both families')
  // Trial 7: snapshot wrote br\xff and br\xef\xbf\xbd both as "br\uFFFD", and plan --state refused its own snapshot.
  const lossy = { name: 'br\uFFFD', mtu: 1500, mac: null, type: 'bridge', up: true }
  t.same(snapshotProblems({ ...ok, links: [...ok.links, lossy, lossy] }), [], 'two names Node read as U+FFFD may be two links')
  t.same(snapshotProblems({ ...ok, euid: 1000, rootlesskit: { net: null }, sandbox: { kind: 'gvisor', evidence: '/proc/gvisor exists' } }), [], 'the optional where-it-runs fields')
  t.same(snapshotProblems({ ...ok, euid: null, rootlesskit: null, sandbox: null }), [])
})

t.test('each bad field is named with its path', async (t) => {
  const bad: [unknown, string][] = [
    [[], 'expected a JSON object (a snapshot), got a list'],
    [{ ...ok, links: [null, 5] }, 'links[0]: expected an object, got null'],
    [{ ...ok, links: [{ name: 'eth0', mtu: 0, up: true }] }, 'links[0] (eth0).mtu: 0 is not an MTU (an integer from 68 to 65536 bytes)'],
    [{ ...ok, links: [{ name: 'eth0', mtu: '1500', up: true }] }, 'links[0] (eth0).mtu: "1500" is not an MTU'],
    [{ ...ok, links: [{ name: 'eth0', mtu: 1400.5, up: true }] }, 'links[0] (eth0).mtu: 1400.5 is not an MTU'],
    [{ ...ok, links: [{ name: 'eth0', mtu: 1e9, up: true }] }, 'links[0] (eth0).mtu: 1000000000 is not an MTU'],
    [{ ...ok, links: [{ name: 'eth0', up: true }] }, 'links[0] (eth0).mtu: nothing is not an MTU'],
    [{ ...ok, links: [{ mtu: 1500, up: true }] }, 'links[0].name: expected a non-empty string, got nothing'],
    [{ ...ok, links: [{ name: 'eth0', mtu: 1500 }] }, 'links[0] (eth0).up: expected true or false, got nothing'],
    // Trial 5: both were planned on, silently (the later v0 used; the address ignored).
    [{ ...ok, links: [{ name: 'v0', mtu: 1450, mac: null, type: 'veth', up: true }, { name: 'v0', mtu: 9000, mac: null, type: 'veth', up: true }] }, 'links[1] (v0).name: links[0] is named v0 too (a machine has one link of a name)'],
    [{ ...ok, links: [{ name: 'eth0', mtu: 1450, mac: null, type: 'veth', up: true, addrs: ['10.0.0.7/24', 'not-an-ip/99'] }] }, 'links[0] (eth0).addrs[1]: "not-an-ip/99" is not an address with its prefix length'],
    [{ ...ok, links: [{ name: 'eth0', mtu: 1450, mac: null, type: 'veth', up: true, addrs: ['10.0.0.7/33'] }] }, 'links[0] (eth0).addrs[0]: "10.0.0.7/33" is not an address'],
    // Trial 6: these passed the first version of the check (a prefix as parsePrefix reads one).
    ...['10.78.0.2', '10.78.0.2/', '10.78.0.2/+24', '10.78.0.2/0x18', '10.78.0.2/2e1', '10.78.0.2/24.0', '10.78.0.2/24/24', '10.78.0.2/24 ', 'fe80::1%v0/64'].map((a): [unknown, string] =>
      [{ ...ok, links: [{ name: 'eth0', mtu: 1450, mac: null, type: 'veth', up: true, addrs: [a] }] }, `links[0] (eth0).addrs[0]: ${JSON.stringify(a)} is not an address with its prefix length`]),
    [{ ...ok, routes4: [null] }, 'routes4[0]: expected an object, got null'],
    // Trial 7: a misspelt default route vanished silently (mtu: not set); a gateway that is no address passed.
    [{ ...ok, routes4: [{ dst: 'defualt', dev: 'eth0' }] }, 'routes4[0].dst: expected "default" or a prefix, got "defualt"'],
    [{ ...ok, routes4: [{ dst: 'default', dev: 'eth0', gw: 'not-an-ip' }] }, 'routes4[0].gw: expected an address or null, got "not-an-ip"'],
    [{ ...ok, routes4: [{ dev: 'eth0' }] }, 'routes4[0].dst: expected "default" or a prefix, got nothing'],
    [{ ...ok, routes6: [{ dst: 'default', dev: 'eth0', mtu: -1 }] }, 'routes6[0].mtu: expected an MTU (68..65536) or null, got -1'],
    [{ ...ok, daemon_json: 'x' }, 'daemon_json: expected an object or null, got string'],
    [{ ...ok, conntrack: 'x' }, 'conntrack: expected a list, got string'],
    [{ ...ok, conntrack: [{ id: 'A', proto: 'udp', orig: {} }] }, 'conntrack[0].orig: expected {src, dst, sport?, dport?}, got {}'],
    [{ ...ok, rules4: 'x' }, 'rules4: expected a list, got string'],
    [{ ...ok, argv: ['--debug', 5] }, 'argv: expected a list of strings, got ["--debug",5]'],
    // Trial: read_errors of objects crashed plan --state (exit 70, e.startsWith is not a function).
    [{ ...ok, read_errors: [{ a: 1 }] }, 'read_errors: expected a list of strings (one line each), got [{"a":1}]'],
    [{ ...ok, read_errors: 'x' }, 'read_errors: expected a list of strings (one line each), got "x"'],
    [{ ...ok, dockerd_version: 5 }, 'dockerd_version: expected a string or null, got 5'],
    [{ ...ok, daemon_json_path: {} }, 'daemon_json_path: expected a string or null, got {}'],
    [{ ...ok, euid: -1 }, 'euid: expected a uid (an integer >= 0) or null, got -1'],
    [{ ...ok, euid: '0' }, 'euid: expected a uid (an integer >= 0) or null, got "0"'],
    [{ ...ok, rootlesskit: true }, 'rootlesskit: expected {net} or null, got true'],
    [{ ...ok, rootlesskit: { net: 5 } }, 'rootlesskit.net: expected a driver name or null, got 5'],
    [{ ...ok, sandbox: { kind: 'firecracker', evidence: 'x' } }, 'sandbox: expected {kind: "gvisor" | "sysbox" | "kata", evidence: string} or null, got {"kind":"firecracker","evidence":"x"}'],
  ]
  for (const [value, problem] of bad) {
    const found = snapshotProblems(value)
    t.ok(found.some((p) => p.startsWith(problem)), `${problem}  <- ${JSON.stringify(found)}`)
  }
})

t.test('a required field missing is named; the optional ones may be absent', async (t) => {
  t.same(snapshotProblems({}), [
    'links: missing (required)', 'routes4: missing (required)', 'routes6: missing (required)',
    'daemon_json: missing (required; null when there is none)', 'argv: missing (required)',
  ])
  t.same(snapshotProblems({ ...ok, links: [{ name: 'eth0', mtu: 1500, up: true }] }), ['links[0] (eth0).type: missing (required)', 'links[0] (eth0).mac: missing (required; null when unknown)'])
  t.same(snapshotProblems({ ...ok, routes4: [{ dst: 'default' }] }), ['routes4[0].dev: missing (required; null when unknown)'])
  t.same(snapshotProblems({ ...ok, daemon_json: null, routes4: [{ dst: 'default', dev: null }] }), [], 'null where the contract allows it')
  t.same(snapshotProblems(ok), [], 'no rules, conntrack, env, dockerd_version, route gw/metric/mtu/table: all optional')
})
