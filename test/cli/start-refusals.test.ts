/**
 * Where dockerd itself will refuse to start on what it is given, a start steps aside (contract
 * point 4, invocation.ts; start-decision.ts refusedStart): the user's argv exactly, nothing
 * applied or appended, and one reason naming the file, flag or value; the dry run and `plan`
 * print that same reason. Each case through main() with fakes for the reader, planner, appliers
 * and exec; the daemon.json cases read a real file with the real reader.
 */
import t, { type Test } from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { configFilePath, readDaemonConfig } from '../../src/dockerd/config-file.js'
import { memoryLogger } from '../../src/log.js'
import type { Action, MachineState, Plan } from '../../src/model.js'
import { main, type MainDeps } from '../../src/cli/main.js'
import { clamp, startFakes } from '../helpers/start-fakes.js'


const fakes = (machine: Partial<MachineState>) => startFakes({}, machine)

/** The machine as the real reader sees a daemon.json holding `bytes`. */
async function withFile(t: Test, bytes: string | Buffer): Promise<Partial<MachineState>> {
  const path = join(t.testdir({}), 'daemon.json')
  writeFileSync(path, bytes)
  const read = await readDaemonConfig(path)
  return { daemon_json: read.config, read_errors: read.error ? [read.error] : [] }
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** A start, a dry run and `plan --state` on `machine` for `argv`: all step aside for `why`. */
async function stepsAside(t: Test, what: string, argv: string[], machine: Partial<MachineState>, why: string | RegExp) {
  const reason = typeof why === 'string' ? esc(why) : why.source
  const run = fakes(machine)
  t.equal(await main(argv, {}, run.deps), 0, `${what}: started`)
  t.same(run.execs, [['dockerd', ...argv]], `${what}: the user's argv exactly, nothing appended`)
  t.same(run.events, ['read', 'exec'], `${what}: nothing applied`)
  t.match(run.log.lines.join('\n'), new RegExp(`${reason}: nothing applied or appended`), `${what}: the reason logged`)
  const dry = fakes(machine)
  t.equal(await main(['--autonet-dry-run', ...argv], {}, dry.deps), 0)
  t.same(dry.execs, [], `${what}: a dry run starts nothing`)
  t.match(dry.stdout(), new RegExp(`error: {4}${reason}: nothing applied or appended`), `${what}: the dry run says why`)
  t.match(dry.stdout(), new RegExp(`adds: {5}nothing[\\s\\S]*actions: none\\ncommand: {2}${esc(['dockerd', ...argv].join(' '))}\\n$`), `${what}: and what a start execs`)
  const dir = t.testdir({ 'state.json': JSON.stringify({ links: [], routes4: [], routes6: [], daemon_json: null, ...machine, argv }) })
  const plan = fakes(machine)
  t.equal(await main(['plan', '--state', join(dir, 'state.json'), '--json'], {}, plan.deps), 1, `${what}: plan exits 1`)
  t.match(JSON.parse(plan.stdout()), { args: argv, actions: [], error: new RegExp(`^${reason}: nothing applied or appended$`) }, `${what}: plan says the same`)
}

t.test('a daemon.json we only partly read: its keys are unknown, so any flag of ours could clash', async (t) => {
  const deep = await withFile(t, `{"builder": ${'['.repeat(1001)}${']'.repeat(1001)}}`)
  await stepsAside(t, 'nested deeper than we read', ['--debug'], deep,
    /daemon\.json: \S+daemon\.json: nested deeper than 1000 levels at line 1, column 1012; not read; its keys were not read, and any flag of ours could clash with them/)
  const latin1 = await withFile(t, Buffer.from('{"labels": ["caf\xe9"]}', 'latin1'))
  await stepsAside(t, 'not valid UTF-8', ['--debug'], latin1,
    /daemon\.json: \S+daemon\.json is not valid UTF-8 or UTF-16 text; its keys were not read, and any flag of ours could clash with them/)
})

t.test('an MTU dockerd refuses: the flag or the daemon.json value named', async (t) => {
  const flagRows: [string[], string][] = [
    [['--mtu=-1'], 'your --mtu=-1 is negative: dockerd refuses to start ("invalid default MTU: -1")'],
    [['--mtu=abc'], 'your --mtu=abc is not an integer: dockerd refuses it (pflag: invalid argument "abc" for "--mtu" flag)'],
    [['--debug', '--mtu='], 'your --mtu= is not an integer: dockerd refuses it (pflag: invalid argument "" for "--mtu" flag)'],
    [['--mtu=70000'], 'your --mtu=70000 is not a usable MTU (68..65535 bytes): dockerd fails to set it on the bridge and does not start'],
  ]
  for (const [argv, why] of flagRows) await stepsAside(t, argv.join(' '), argv, {}, why)
  const goJson = 'dockerd refuses the file (Go\'s encoding/json will not read it into its int "mtu")'
  const fileRows: [string, string][] = [
    ['{"mtu": -5}', 'daemon.json "mtu": -5 is negative: dockerd refuses to start ("invalid default MTU: -5")'],
    ['{"mtu": "1400"}', `daemon.json "mtu": "1400" is a string, not a number: ${goJson}`],
    ['{"mtu": "0x578"}', `daemon.json "mtu": "0x578" is a string, not a number: ${goJson}`],
    ['{"mtu": 70000}', 'daemon.json "mtu": 70000 is not a usable MTU (68..65535 bytes): dockerd fails to set it on the bridge and does not start'],
  ]
  for (const [text, why] of fileRows) await stepsAside(t, text, ['--debug'], await withFile(t, text), why)
  for (const token of ['1400.5', '1400.0']) {
    await stepsAside(t, `"mtu": ${token}`, ['--debug'], await withFile(t, `{"mtu": ${token}}`),
      new RegExp(`daemon\\.json: \\S+daemon\\.json: "mtu" is ${esc(token)} at line 1, column 9, not an integer \\(Go's encoding/json reads no fraction or exponent into dockerd's int "mtu"\\); dockerd refuses to start on it`))
  }
  await stepsAside(t, '"mtu": 1400.5 in a snapshot', ['--debug'], { daemon_json: { mtu: 1400.5 } }, `daemon.json "mtu": 1400.5 is not an integer: ${goJson}`)
})

t.test('a flag no dockerd has: pflag\'s words', async (t) => {
  await stepsAside(t, '--mtuu=1400', ['--mtuu=1400'], {}, 'dockerd has no such flag and will refuse your arguments (unknown flag: --mtuu)')
  await stepsAside(t, '--foo', ['--debug', '--foo'], {}, 'dockerd has no such flag and will refuse your arguments (unknown flag: --foo)')
  await stepsAside(t, '-x', ['-Dx'], {}, 'dockerd has no such flag and will refuse your arguments (unknown shorthand flag: \'x\' in -Dx)')
})

t.test('a boolean or integer flag value pflag refuses: pflag\'s words', async (t) => {
  await stepsAside(t, '--debug=yes', ['--debug=yes'], {}, 'your --debug=yes is not a boolean: dockerd refuses it (pflag: invalid argument "yes" for "-D, --debug" flag)')
  await stepsAside(t, '--ipv6=yes', ['--debug', '--ipv6=yes'], {}, 'your --ipv6=yes is not a boolean: dockerd refuses it (pflag: invalid argument "yes" for "--ipv6" flag)')
  await stepsAside(t, '--max-concurrent-downloads=abc', ['--max-concurrent-downloads=abc'], {},
    'your --max-concurrent-downloads=abc is not an integer: dockerd refuses it (pflag: invalid argument "abc" for "--max-concurrent-downloads" flag)')
})

t.test('a list or option flag value moby\'s validator refuses at flag parsing: dockerd\'s words (trial finding)', async (t) => {
  await stepsAside(t, '--label=foo', ['--label=foo'], {}, 'your --label=foo is refused by dockerd (invalid argument "foo" for "--label" flag: bad attribute format: foo)')
  await stepsAside(t, '--dns=1.2.3', ['--debug', '--dns=1.2.3'], {},
    'your --dns=1.2.3 is refused by dockerd (invalid argument "1.2.3" for "--dns" flag: invalid string being converted to IP address: 1.2.3)')
  await stepsAside(t, '-H bogus://x', ['-H', 'bogus://x'], {},
    'your -H bogus://x is refused by dockerd (invalid argument "bogus://x" for "-H, --host" flag: invalid bind address (bogus://x): unsupported proto \'bogus\')')
  await stepsAside(t, '--default-ulimit=nofile=abc', ['--default-ulimit=nofile=abc'], {}, /your --default-ulimit=nofile=abc is refused by dockerd \(invalid argument "nofile=abc" for "--default-ulimit" flag: strconv\.ParseInt: parsing "abc": [^)]*\)/)
  await stepsAside(t, '--registry-mirror=notaurl', ['--registry-mirror=notaurl'], {},
    'your --registry-mirror=notaurl is refused by dockerd (invalid argument "notaurl" for "--registry-mirror" flag: invalid mirror: unsupported scheme "" in "notaurl")')
})

t.test('a daemon.json key no dockerd knows: named', async (t) => {
  await stepsAside(t, '"mtuu"', ['--debug'], await withFile(t, '{"debug": true, "mtuu": 1400, "proxies": {"http_proxy": "x"}}'),
    'daemon.json has "mtuu", "http_proxy", which no dockerd knows: dockerd refuses to start on it ("the following directives don\'t match any configuration option")')
})

t.test('a daemon.json value Go\'s encoding/json will not read into its field: named', async (t) => {
  const rows: [string, string][] = [
    ['{"debug": "yes"}', 'daemon.json "debug": "yes" is a string, not a boolean: dockerd refuses the file (Go\'s encoding/json will not read it into its boolean "debug")'],
    ['{"bip": 123}', 'daemon.json "bip": 123 is a number, not a string: dockerd refuses the file (Go\'s encoding/json will not read it into its string "bip")'],
    ['{"labels": "x"}', 'daemon.json "labels": "x" is a string, not an array: dockerd refuses the file (Go\'s encoding/json will not read it into its array "labels")'],
    ['{"log-opts": "x"}', 'daemon.json "log-opts": "x" is a string, not an object: dockerd refuses the file (Go\'s encoding/json will not read it into its object "log-opts")'],
  ]
  for (const [text, why] of rows) await stepsAside(t, text, ['--icc=false'], await withFile(t, text), why)
})

// Trial finding: dockerd 26.1 and 28.5 refuse a number where Go wants map[string]map[string]string ("json: cannot
// unmarshal number into Go struct field … of type string"); we clamped and appended --mtu. Users write numbers.
t.test('a default network MTU written as a number in daemon.json: nothing applied or appended on an engine that has the field', async (t) => {
  const text = '{"default-network-opts": {"bridge": {"com.docker.network.driver.mtu": 1400}}}'
  const path = '"default-network-opts"."bridge"."com.docker.network.driver.mtu"'
  for (const version of ['26.1.5', '28.5.2']) {
    await stepsAside(t, `${text} on ${version}`, ['--debug'], { ...await withFile(t, text), dockerd_version: version },
      `daemon.json ${path}: 1400 is a number, not a string: dockerd refuses the file (Go's encoding/json will not read it into its string ${path})`)
  }
  for (const machine of [{ ...await withFile(t, text), dockerd_version: '20.10.24' }, { ...await withFile(t, text.replace('1400', '"1400"')), dockerd_version: '26.1.5' }]) {
    const f = fakes(machine)
    await main(['--debug'], {}, f.deps)
    t.same(f.execs, [['dockerd', '--debug', '--mtu=1450']], `${JSON.stringify(machine)}: planned (20.10 has no such field; a string is what Go wants)`)
    t.same(f.events, ['read', 'apply', 'exec'], 'and applied')
  }
})

t.test('a daemon.json value dockerd refuses as it would the flag\'s: named with its key (trial: values in the file)', async (t) => {
  const rows: [string, string][] = [
    ['{"labels": ["foo"]}', 'daemon.json "labels" has "foo", refused by dockerd as --label=foo would be (bad attribute format: foo): it does not start on the file'],
    ['{"dns": ["1.2.3"]}', 'daemon.json "dns" has "1.2.3", refused by dockerd as --dns=1.2.3 would be (invalid string being converted to IP address: 1.2.3): it does not start on the file'],
    ['{"hosts": ["bogus://x"]}', 'daemon.json "hosts" has "bogus://x", refused by dockerd as --host=bogus://x would be (invalid bind address (bogus://x): unsupported proto \'bogus\'): it does not start on the file'],
    ['{"registry-mirrors": ["mirror.gcr.io"]}', 'daemon.json "registry-mirrors" has "mirror.gcr.io", refused by dockerd as --registry-mirror=mirror.gcr.io would be (invalid mirror: unsupported scheme "" in "mirror.gcr.io"): it does not start on the file'],
    ['{"default-gateway": "x"}', 'daemon.json "default-gateway": "x" is refused by dockerd as --default-gateway=x would be (failed to parse IP: "x"): it does not start on the file'],
    ['{"ip": "x"}', 'daemon.json "ip": "x" is refused by dockerd as --ip=x would be (failed to parse IP: "x"): it does not start on the file'],
  ]
  for (const [text, why] of rows) await stepsAside(t, text, ['--icc=false'], await withFile(t, text), why)
})

t.test('a negative download or upload count, flag or file: moby\'s Validate words (trial finding)', async (t) => {
  await stepsAside(t, '--max-concurrent-downloads=-1', ['--max-concurrent-downloads=-1'], {},
    'your --max-concurrent-downloads=-1 is negative: dockerd refuses to start ("invalid max concurrent downloads: -1")')
  await stepsAside(t, '--max-concurrent-uploads=-1', ['--debug', '--max-concurrent-uploads=-1'], {},
    'your --max-concurrent-uploads=-1 is negative: dockerd refuses to start ("invalid max concurrent uploads: -1")')
  await stepsAside(t, '--max-download-attempts=-1', ['--max-download-attempts=-1'], {},
    'your --max-download-attempts=-1 is negative: dockerd refuses to start ("invalid max download attempts: -1")')
  await stepsAside(t, '"max-download-attempts": -1', ['--debug'], await withFile(t, '{"max-download-attempts": -1}'),
    'daemon.json "max-download-attempts": -1 is negative: dockerd refuses to start ("invalid max download attempts: -1")')
})

t.test('a bridge or log setting dockerd refuses: -b with --bip, an unknown log level, a --bip that is no CIDR', async (t) => {
  await stepsAside(t, '-b br0 --bip', ['-b', 'br0', '--bip=10.1.0.1/24'], {}, 'your -b br0 and your --bip=10.1.0.1/24 together: dockerd refuses to start ("You specified -b & --bip, mutually exclusive options")')
  await stepsAside(t, '-b br0 and "bip"', ['-b', 'br0'], await withFile(t, '{"bip": "10.1.0.1/24"}'),
    'your -b br0 and daemon.json "bip": "10.1.0.1/24" together: dockerd refuses to start ("You specified -b & --bip, mutually exclusive options")')
  await stepsAside(t, '--log-level=bogus', ['--log-level=bogus'], {},
    'your --log-level=bogus is not a log level dockerd knows (trace, debug, info, warn, error, fatal, panic): dockerd refuses to start ("invalid logging level: bogus")')
  await stepsAside(t, '--bip=x', ['--bip=x'], {}, 'your --bip=x is not an address with its prefix length (10.1.0.1/24): dockerd refuses to start (Go\'s net.ParseCIDR fails on it)')
})

// Trial finding: values every engine (20.10.24, 26.1.5, 28.5.2) refuses, at flag parsing or in its config check; we clamped and appended --mtu.
t.test('a shm size, host gateway address, log format, cgroup or IPC mode, or builder value dockerd refuses: nothing applied or appended', async (t) => {
  await stepsAside(t, '--default-shm-size=abc', ['--default-shm-size=abc'], {}, 'your --default-shm-size=abc is refused by dockerd (invalid argument "abc" for "--default-shm-size" flag: invalid size: \'abc\')')
  await stepsAside(t, '--default-shm-size=-1', ['--default-shm-size=-1'], {}, 'your --default-shm-size=-1 is refused by dockerd (invalid argument "-1" for "--default-shm-size" flag: invalid size: \'-1\')')
  await stepsAside(t, '--host-gateway-ip=bogus', ['--host-gateway-ip=bogus'], {}, 'your --host-gateway-ip=bogus is refused by dockerd (invalid argument "bogus" for "--host-gateway-ip" flag: failed to parse IP: "bogus")')
  await stepsAside(t, '--log-format=xml', ['--log-format=xml'], {}, 'your --log-format=xml is not one of "text", "json": dockerd refuses to start (invalid log format: xml)')
  await stepsAside(t, '--default-cgroupns-mode=bogus', ['--default-cgroupns-mode=bogus'], {},
    'your --default-cgroupns-mode=bogus is not one of "host", "private": dockerd refuses to start (default cgroup namespace mode (bogus) is invalid; use "host" or "private")')
  await stepsAside(t, '--default-ipc-mode=bogus', ['--default-ipc-mode=bogus'], {},
    'your --default-ipc-mode=bogus is not one of "private", "shareable": dockerd refuses to start (default IPC mode setting (bogus) is invalid; use "shareable" or "private")')
  const rows: [string, string][] = [
    ['{"default-shm-size": "abc"}', 'daemon.json "default-shm-size": "abc" is refused by dockerd as --default-shm-size=abc would be (invalid size: \'abc\'): it does not start on the file'],
    ['{"default-shm-size": 64}', 'daemon.json "default-shm-size": 64 is a number, not a string: dockerd refuses the file (Go\'s encoding/json will not read it into its string "default-shm-size")'],
    ['{"host-gateway-ip": "bogus"}', 'daemon.json "host-gateway-ip": "bogus" is refused by dockerd as --host-gateway-ip=bogus would be (failed to parse IP: "bogus"): it does not start on the file'],
    ['{"default-ipc-mode": "bogus"}', 'daemon.json "default-ipc-mode": "bogus" is not one of "private", "shareable": dockerd refuses to start (default IPC mode setting (bogus) is invalid; use "shareable" or "private")'],
    ['{"log-format": "xml"}', 'daemon.json "log-format": "xml" is not one of "text", "json": dockerd refuses to start (invalid log format: xml)'],
    ['{"default-cgroupns-mode": "bogus"}', 'daemon.json "default-cgroupns-mode": "bogus" is not one of "host", "private": dockerd refuses to start (default cgroup namespace mode (bogus) is invalid; use "host" or "private")'],
    ['{"builder": {"gc": {"enabled": "x"}}}', 'daemon.json "builder"."gc"."enabled": "x" is a string, not a boolean: dockerd refuses the file (Go\'s encoding/json will not read it into its boolean "builder"."gc"."enabled")'],
  ]
  for (const [text, why] of rows) await stepsAside(t, text, ['--debug'], await withFile(t, text), why)
})

t.test('what dockerd accepts is planned and applied as before', async (t) => {
  const machines: [string[], Partial<MachineState>][] = [
    [['--mtu=0'], {}], [['--mtu=0x578', '-D', '--iptables=false'], {}], [['--debug'], { daemon_json: { mtu: 0, proxies: { 'http-proxy': 'http://p:3128' }, 'log-opts': { 'max-size': '10m' } } }],
    [['--debug'], { daemon_json: { mtu: 1400 } }], [['--debug'], { daemon_json: { mtu: null } }],
    [[], { daemon_json: { debug: null, labels: ['a=b'], bip: '10.1.0.1/24', 'max-concurrent-downloads': 3 } }],
    [['--label=a=b', '--dns=1.1.1.1', '-H', 'fd://', '--default-ulimit=nofile=1024:2048', '--registry-mirror=https://m.example'], {}],
    [['--default-shm-size=64m', '--host-gateway-ip=1.2.3.4', '--log-format=json', '--default-cgroupns-mode=host', '--default-ipc-mode=shareable'], {}],
    [['--debug'], { daemon_json: { 'default-shm-size': '64m', builder: { gc: { enabled: true, defaultKeepStorage: '10GB' } } } }],
  ]
  for (const [argv, machine] of machines) {
    const f = fakes(machine)
    await main(argv, {}, f.deps)
    t.same(f.execs, [['dockerd', ...argv, '--mtu=1450']], `${JSON.stringify([argv, machine])}: planned`)
    t.same(f.events, ['read', 'apply', 'exec'], 'and applied')
  }
  // An empty --config-file: dockerd reads no file (moby loadDaemonCliConfig), so neither do we, and nothing is refused (trial note).
  const none = await readDaemonConfig(configFilePath(['--config-file=']), { explicit: true })
  const f = fakes({ daemon_json: none.config, read_errors: none.error ? [none.error] : [] })
  await main(['--config-file=', '--debug'], {}, f.deps)
  t.same(f.execs, [['dockerd', '--config-file=', '--debug', '--mtu=1450']], 'an empty --config-file: planned')
  t.same(f.events, ['read', 'apply', 'exec'], 'and applied')
  const file = await withFile(t, '{\n  "mtu": 1400,\n  "debug": true\n}\n')
  t.same(file, { daemon_json: { mtu: 1400, debug: true }, read_errors: [] }, 'an integer "mtu" is read as written')
})

t.test('a refusal the planner also warns about is logged once, in the step-aside line', async (t) => {
  const { planFromState } = await import('../../src/plan/index.js')
  const f = startFakes({ plan: planFromState }, { links: [{ name: 'eth0', mtu: 1450, mac: '02:00:00:00:00:01', type: 'veth', up: true, master: null, carrier: true, addrs: ['10.9.0.2/24'] }], routes4: [{ dst: 'default', dev: 'eth0', gw: '10.9.0.1', metric: 0, mtu: null, table: 'main' }] } as Partial<MachineState>)
  t.equal(await main(['--mtu=70000'], {}, f.deps), 0)
  t.same(f.execs, [['dockerd', '--mtu=70000']])
  const said = f.lines().filter((l) => l.includes('--mtu=70000 is not a usable MTU'))
  t.equal(said.length, 1, `once: ${JSON.stringify(said)}`)
  t.match(said[0], /error: .*nothing applied or appended; starting dockerd with your arguments unchanged/)
})

t.test('a bridge or config file named with bytes that are not UTF-8 (U+FFFD as Node reads them): not looked up by the wrong name, the start steps aside (trial 6: another bridge\'s MAC was pinned, another daemon.json read)', async (t) => {
  const cases: [string[], string][] = [
    [['-b', 'br\uFFFD'], '-b br\uFFFD names a bridge with U+FFFD, which Node reads for bytes that are not UTF-8, so the bridge dockerd gets cannot be looked up'],
    [['--config-file=/etc/d\uFFFD.json'], '--config-file=/etc/d\uFFFD.json names a file with U+FFFD, which Node reads for bytes that are not UTF-8, so the daemon.json dockerd gets cannot be looked up'],
  ]
  for (const [argv, why] of cases) {
    const run = fakes({})
    t.equal(await main(argv, {}, run.deps), 0)
    t.same(run.execs, [['dockerd', ...argv]], `${argv[0]}: the user's argv exactly`)
    t.same(run.events, ['read', 'exec'], `${argv[0]}: nothing applied`)
    t.match(run.log.lines.join('\n'), `${why}: nothing applied or appended`)
    const dry = fakes({})
    await main(['--autonet-dry-run', ...argv], {}, dry.deps)
    t.same(dry.execs, [])
    t.match(dry.stdout(), `error:    ${why}: nothing applied or appended`)
    t.match(dry.stdout(), /actions: none\n/)
  }
  // Elsewhere (a label, the data-root) nothing of ours looks it up: planned as before.
  const label = fakes({})
  await main(['--label=k=v\uFFFD'], {}, label.deps)
  t.same(label.execs, [['dockerd', '--label=k=v\uFFFD', '--mtu=1450']])
})
