import t from 'tap'
import { configConflicts, configKeyOf, configValuesSet, refusedConfigValue, unknownConfigKeys } from '../../src/dockerd/config-keys.js'
import { parseDockerdFlags } from '../../src/dockerd/flags.js'

t.test('configConflicts: the first flag per daemon.json key also set, --config-file exempt', async (t) => {
  const flags = parseDockerdFlags(['--config-file=/etc/d.json', '-H', 'unix:///a.sock', '--mtu=1400', '--host=tcp://0.0.0.0:2375', '--debug'])
  const dj = { 'config-file': 'x', hosts: ['unix:///b.sock'], mtu: 1500 }
  t.same(configConflicts(flags, dj).map(({ key, flag }) => [key, flag.text]), [['hosts', '-H unix:///a.sock'], ['mtu', '--mtu=1400']])
  t.same(configConflicts(flags, null), [])
  t.same(configConflicts(flags, {}), [])
})

// dockerd 26.1.5 and 28.5.2 `--validate --config-file F`: {"proxies": {"http-proxy": "http://p:3128"}} with
// --http-proxy=http://q:3128 is "specified both as a flag and in the configuration file: http-proxy", and
// {"proxies": {"mtu": 1400}} with --mtu=1400 the same for mtu (moby configValuesSet flattens the object first).
t.test('configConflicts: an object dockerd does not read whole is flattened first, its keys compared in its place', async (t) => {
  const proxies = { proxies: { 'http-proxy': 'http://p:3128' } }
  t.same(configConflicts(parseDockerdFlags(['--http-proxy=http://q:3128']), proxies).map(({ key, flag, value }) => [key, flag.text, value]),
    [['http-proxy', '--http-proxy=http://q:3128', 'http://p:3128']])
  t.same(configConflicts(parseDockerdFlags(['--mtu=1400']), { proxies: { mtu: 1400 } }).map(({ key }) => key), ['mtu'])
  t.same(configConflicts(parseDockerdFlags(['--log-opt=max-size=1m']), { 'log-opts': { 'max-size': '10m' } }).map(({ key }) => key), ['log-opts'], 'read whole: the key itself')
  t.same(configConflicts(parseDockerdFlags(['--max-size=1']), { 'log-opts': { 'max-size': '10m' } }), [], 'not flattened: its keys are no settings')
})

t.test('configValuesSet: top-level keys, a non-flat object\'s keys in its place', async (t) => {
  t.same([...configValuesSet({ mtu: 1450, proxies: { 'no-proxy': 'x' }, 'log-opts': { a: 'b' }, labels: ['a=b'] })],
    [['mtu', 1450], ['no-proxy', 'x'], ['log-opts', { a: 'b' }], ['labels', ['a=b']]])
  t.same([...configValuesSet(null)], [])
})

t.test('flag names map to daemon.json keys as dockerd checks conflicts', async (t) => {
  t.equal(configKeyOf('host'), 'hosts')
  t.equal(configKeyOf('default-network-opt'), 'default-network-opts')
  t.equal(configKeyOf('registry-mirror'), 'registry-mirrors')
  t.equal(configKeyOf('mtu'), 'mtu')
  t.equal(configKeyOf('bridge'), 'bridge')
})

t.test('unknownConfigKeys: keys no dockerd knows, checked as dockerd checks them (objects flattened unless read whole)', async (t) => {
  t.same(unknownConfigKeys({ mtuu: 1400, debug: true, 'registry-mirror': ['x'], bogus: null }), ['mtuu', 'bogus'])
  t.same(unknownConfigKeys({ proxies: { 'http-proxy': 'http://p:80', 'https-proxy': 'http://p:80', 'no-proxy': 'x' } }), [], 'proxies: its keys are flags')
  t.same(unknownConfigKeys({ proxies: { 'http_proxy': 'http://p:80' } }), ['http_proxy'], 'flattened: the inner key is what dockerd names')
  t.same(unknownConfigKeys({ 'log-opts': { 'max-size': '10m' }, runtimes: { crun: { path: '/usr/bin/crun' } }, features: { cdi: true }, builder: { gc: { enabled: true } } }), [], 'read whole')
  t.same(unknownConfigKeys({ 'host-gateway-ips': ['10.0.0.1'], 'deprecated-key-path': '/k', 'host-gateway-ip': '10.0.0.1' }), [])
  t.same(unknownConfigKeys({ b: 'br0', H: ['fd://'] }), ['b', 'H'], 'dockerd looks keys up by long name only')
  t.same(unknownConfigKeys(null), [])
  t.same(unknownConfigKeys({}), [])
})

t.test('unknownConfigKeys: the full Linux example of docs/reference/dockerd.md (docker/cli, "Daemon configuration file") has none', async (t) => {
  const example = {
    'allow-nondistributable-artifacts': [], 'api-cors-header': '', 'authorization-plugins': [], bip: '', bridge: '',
    builder: { gc: { enabled: true, defaultKeepStorage: '10GB', policy: [{ keepStorage: '10GB', filter: ['unused-for=2200h'] }] } },
    'cgroup-parent': '', containerd: '/run/containerd/containerd.sock', 'containerd-namespace': 'docker', 'containerd-plugins-namespace': 'docker-plugins',
    'data-root': '', debug: true, 'default-address-pools': [{ base: '172.30.0.0/16', size: 24 }], 'default-cgroupns-mode': 'private',
    'default-gateway': '', 'default-gateway-v6': '', 'default-network-opts': {}, 'default-runtime': 'runc', 'default-shm-size': '64M',
    'default-ulimits': { nofile: { Hard: 64000, Name: 'nofile', Soft: 64000 } }, dns: [], 'dns-opts': [], 'dns-search': [], 'exec-opts': [],
    'exec-root': '', experimental: false, features: { cdi: true, 'containerd-snapshotter': true }, 'fixed-cidr': '', 'fixed-cidr-v6': '',
    group: '', 'host-gateway-ip': '', hosts: [],
    proxies: { 'http-proxy': 'http://proxy.example.com:80', 'https-proxy': 'https://proxy.example.com:443', 'no-proxy': '*.test.example.com,.example.org' },
    icc: false, init: false, 'init-path': '/usr/libexec/docker-init', 'insecure-registries': [], ip: '0.0.0.0', 'ip-forward': false, 'ip-masq': false,
    iptables: false, ip6tables: false, ipv6: false, labels: [], 'live-restore': true, 'log-driver': 'json-file', 'log-format': 'text', 'log-level': '',
    'log-opts': { 'cache-disabled': 'false', 'max-file': '5', 'max-size': '10m', labels: 'somelabel' },
    'max-concurrent-downloads': 3, 'max-concurrent-uploads': 5, 'max-download-attempts': 5, mtu: 0, 'no-new-privileges': false,
    'node-generic-resources': ['NVIDIA-GPU=UUID1'], 'oom-score-adjust': 0, pidfile: '', 'raw-logs': false, 'registry-mirrors': [],
    runtimes: { 'cc-runtime': { path: '/usr/bin/cc-runtime' }, custom: { path: '/usr/local/bin/my-runc-replacement', runtimeArgs: ['--debug'] } },
    'seccomp-profile': '', 'selinux-enabled': false, 'shutdown-timeout': 15, 'storage-driver': '', 'storage-opts': [],
    'swarm-default-advertise-addr': '', tls: true, tlscacert: '', tlscert: '', tlskey: '', tlsverify: true, 'userland-proxy': false,
    'userland-proxy-path': '/usr/libexec/docker-proxy', 'userns-remap': '',
  }
  t.same(unknownConfigKeys(example), [])
})

t.test('refusedConfigValue: a value Go\'s encoding/json will not read into the key\'s field, named', async (t) => {
  const go = (key: string, kind: string) => `dockerd refuses the file (Go's encoding/json will not read it into its ${kind} "${key}")`
  const rows: [Record<string, unknown>, string][] = [
    [{ debug: 'yes' }, `daemon.json "debug": "yes" is a string, not a boolean: ${go('debug', 'boolean')}`],
    [{ icc: 1 }, `daemon.json "icc": 1 is a number, not a boolean: ${go('icc', 'boolean')}`],
    [{ 'max-concurrent-downloads': '3' }, `daemon.json "max-concurrent-downloads": "3" is a string, not an integer: ${go('max-concurrent-downloads', 'integer')}`],
    [{ 'shutdown-timeout': 1.5 }, `daemon.json "shutdown-timeout": 1.5 is not an integer: ${go('shutdown-timeout', 'integer')}`],
    [{ 'shutdown-timeout': 1e20 }, `daemon.json "shutdown-timeout" is past the range of Go's int (64 bits): ${go('shutdown-timeout', 'integer')}`],
    [{ bip: 123 }, `daemon.json "bip": 123 is a number, not a string: ${go('bip', 'string')}`],
    [{ labels: 'x' }, `daemon.json "labels": "x" is a string, not an array: ${go('labels', 'array')}`],
    [{ hosts: 'unix:///x' }, `daemon.json "hosts": "unix:///x" is a string, not an array: ${go('hosts', 'array')}`],
    [{ 'default-network-opts': 'x' }, `daemon.json "default-network-opts": "x" is a string, not an object: ${go('default-network-opts', 'object')}`],
    [{ debug: true, 'log-opts': ['max-size=10m'] }, `daemon.json "log-opts": ["max-size=10m"] is an array, not an object: ${go('log-opts', 'object')}`],
    // opts.MemBytes UnmarshalJSON takes a JSON string only: every engine refuses `invalid size: "64"`, null too (a number was accepted before)
    [{ 'default-shm-size': 64 }, `daemon.json "default-shm-size": 64 is a number, not a string: ${go('default-shm-size', 'string')}`],
    [{ 'default-shm-size': null }, `daemon.json "default-shm-size": null is a null, not a string: ${go('default-shm-size', 'string')}`],
    // trial: builder's struct fields, matched in any case
    [{ builder: { gc: { enabled: 'x' } } }, 'daemon.json "builder"."gc"."enabled": "x" is a string, not a boolean: dockerd refuses the file (Go\'s encoding/json will not read it into its boolean "builder"."gc"."enabled")'],
    [{ builder: { GC: { DefaultKeepStorage: 5 } } }, 'daemon.json "builder"."GC"."DefaultKeepStorage": 5 is a number, not a string: dockerd refuses the file (Go\'s encoding/json will not read it into its string "builder"."GC"."DefaultKeepStorage")'],
  ]
  for (const [file, why] of rows) t.equal(refusedConfigValue(file), why, JSON.stringify(file))
  const accepted = [
    { debug: true, icc: false, 'max-concurrent-downloads': 3, bip: '10.1.0.1/24', labels: ['a=b'], hosts: [], 'log-opts': { 'max-size': '10m' }, 'storage-opts': [] },
    { debug: null, labels: null, 'log-opts': null, bip: null, 'shutdown-timeout': null },
    { mtu: '1400', 'default-shm-size': '64m', version: 'x', proxies: { 'http-proxy': 'x' } },
    { builder: { gc: { enabled: true, defaultKeepStorage: '10GB', policy: [] }, Entitlements: { 'network-host': null }, history: 5 } },
  ]
  for (const file of accepted) t.equal(refusedConfigValue(file), null, JSON.stringify(file))
  t.equal(refusedConfigValue(null), null, 'no file')
})

// Trial finding: dockerd 26.1.5 and 28.5.2 `--validate` (20.10.24 too, but for default-network-opts, a field it lacks)
// refuse these; we applied the clamp and appended --mtu. "json: cannot unmarshal number into Go struct field
// Config.default-network-opts.bridge.com.docker.network.driver.mtu of type string".
t.test('refusedConfigValue: an element of a list or a value of a map of the wrong kind, named by its path', async (t) => {
  const go = (path: string, kind: string) => `dockerd refuses the file (Go's encoding/json will not read it into its ${kind} ${path})`
  const dno = { 'default-network-opts': { bridge: { 'com.docker.network.driver.mtu': 1400 } } }
  const path = '"default-network-opts"."bridge"."com.docker.network.driver.mtu"'
  t.equal(refusedConfigValue(dno, '26.1.5'), `daemon.json ${path}: 1400 is a number, not a string: ${go(path, 'string')}`, 'default-network-opts, 26.1')
  t.equal(refusedConfigValue(dno, '28.5.2'), `daemon.json ${path}: 1400 is a number, not a string: ${go(path, 'string')}`, 'default-network-opts, 28.5')
  t.equal(refusedConfigValue(dno, '20.10.24'), null, '20.10 has no such field and ignores its values')
  t.equal(refusedConfigValue(dno, null), null, 'engine unknown: some engine accepts it')
  t.equal(refusedConfigValue({ 'default-network-opts': { bridge: 'x' } }, '24.0.0'), `daemon.json "default-network-opts"."bridge": "x" is a string, not an object: ${go('"default-network-opts"."bridge"', 'object')}`)
  const rows: [Record<string, unknown>, string, string, string][] = [
    [{ 'log-opts': { 'max-size': 5 } }, '"log-opts"."max-size"', '5 is a number, not a string', 'string'],
    [{ 'default-ulimits': { nofile: 'x' } }, '"default-ulimits"."nofile"', '"x" is a string, not an object', 'object'],
    [{ runtimes: { r: 'x' } }, '"runtimes"."r"', '"x" is a string, not an object', 'object'],
    [{ features: { x: 'notbool' } }, '"features"."x"', '"notbool" is a string, not a boolean', 'boolean'],
    [{ proxies: { 'http-proxy': 5 } }, '"proxies"."http-proxy"', '5 is a number, not a string', 'string'],
    [{ 'dns-opts': [1] }, '"dns-opts"[0]', '1 is a number, not a string', 'string'],
    [{ labels: ['a=b', true] }, '"labels"[1]', 'true is a boolean, not a string', 'string'],
    [{ dns: [null, ['1.1.1.1']] }, '"dns"[1]', '["1.1.1.1"] is an array, not a string', 'string'],
  ]
  for (const [file, at, is, kind] of rows) t.equal(refusedConfigValue(file), `daemon.json ${at}: ${is}: ${go(at, kind)}`, JSON.stringify(file))
  const accepted = [
    { 'log-opts': { 'max-size': null }, features: { x: null, y: true }, runtimes: { r: null, s: { path: 'x' } }, 'default-ulimits': { nofile: null } },
    { 'dns-opts': [null, 'ndots:1'], proxies: { 'http-proxy': null, 'https-proxy': 'x', other: 5 } },
    { 'default-network-opts': { bridge: null, overlay: { 'com.docker.network.driver.mtu': '1400' } } },
    JSON.parse('{"features": {"constructor": true}, "proxies": {"constructor": 5, "__proto__": 5}}'),
  ]
  for (const file of accepted) t.equal(refusedConfigValue(file, '28.5.2'), null, JSON.stringify(file))
})
