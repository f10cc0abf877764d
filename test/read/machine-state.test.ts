import t from 'tap'
import { join } from 'node:path'
import { readMachineState, snapshotEnv } from '../../src/read/machine-state.js'
import {
  BUSYBOX_IP_NO_JSON, fixtureText, ok, recordedCommands, replayRunner, sysfsDump, sysfsSpec,
} from '../helpers/fake-machine.js'

t.test('the recorded machine, read whole', async (t) => {
  const dir = t.testdir({
    sys: sysfsSpec(sysfsDump(), t.fixture),
    'daemon.json': '{\n  "mtu": 1400,\n  "bridge": "br0"\n}\n',
  })
  const run = replayRunner(recordedCommands())
  const state = await readMachineState({
    argv: ['--debug', `--config-file=${join(dir, 'daemon.json')}`],
    env: { DOCKERD_AUTONET_MAX_MTU: '9000', DOCKER_AUTH_CONFIG: '{"auths":{}}', CI_JOB_TOKEN: 'secret', PATH: '/bin' },
    sysClassNet: join(dir, 'sys'),
    run,
    withConntrack: true,
  })
  t.same(state.read_errors, [])
  t.same(state.argv, ['--debug', `--config-file=${join(dir, 'daemon.json')}`])
  t.same(state.daemon_json, { mtu: 1400, bridge: 'br0' }, 'the file named by --config-file')
  t.equal(state.daemon_json_path, join(dir, 'daemon.json'))
  t.same(state.env, { DOCKERD_AUTONET_MAX_MTU: '9000' }, 'secrets stay out of the snapshot')
  t.equal(state.dockerd_version, '20.10.24')

  const veth0 = state.links.find((l) => l.name === 'veth0')
  t.match(veth0, { mtu: 1450, type: 'veth', up: true, addrs: ['10.0.0.2/24', 'fd00:1::2/64'] })
  t.same(state.links.find((l) => l.name === 'tun0')?.addrs, ['100.64.0.7/32', 'fd00:64::7/128'])
  t.match(state.links.find((l) => l.name === 'lo'), { type: 'loopback', addrs: ['127.0.0.1/8', '::1/128'] })

  const mainDefaults = state.routes4.filter((r) => r.dst === 'default' && r.table === 'main')
  t.same(mainDefaults.map((r) => r.metric), [100, 200, 300])
  t.equal(state.routes4.find((r) => r.dst === '192.168.50.0/24')?.mtu, 1400)
  t.ok(state.routes6.some((r) => r.dst === 'default' && r.dev === 'tun0' && r.gw === null))
  t.equal(state.rules4?.find((r) => r.priority === 5250)?.action, 'unreachable')
  t.equal(state.rules6?.length, 6)
  t.equal(state.conntrack?.length, 5)

  t.same(JSON.parse(JSON.stringify(state)), state, 'plain JSON: replays with `plan --state FILE`')
})

t.test('malformed daemon.json: null, and a read_errors entry naming file and line', async (t) => {
  const dir = t.testdir({ sys: sysfsSpec(sysfsDump(), t.fixture), 'daemon.json': '{\n  "mtu": 1400,\n  "bip": }\n' })
  const path = join(dir, 'daemon.json')
  const state = await readMachineState({
    argv: [], sysClassNet: join(dir, 'sys'), run: replayRunner(recordedCommands()), daemonConfigPath: path, env: {},
  })
  t.equal(state.daemon_json, null)
  const entry = state.read_errors?.find((e) => e.startsWith('daemon.json:'))
  t.ok(entry, 'one entry starts "daemon.json:"')
  t.match(entry, path)
  t.match(entry, 'line 3')
  t.equal(state.read_errors?.length, 1)
})

t.test('a machine where almost nothing can be read still yields a snapshot', async (t) => {
  const dir = t.testdir({ proc: { route: fixtureText('proc-net-route.txt') } })
  const busybox = replayRunner({
    'ip -j -d addr show': BUSYBOX_IP_NO_JSON,
    'ip -j -4 route show table all': BUSYBOX_IP_NO_JSON,
    'ip -j -6 route show table all': BUSYBOX_IP_NO_JSON,
    'ip -j -4 rule show': BUSYBOX_IP_NO_JSON,
    'ip -j -6 rule show': BUSYBOX_IP_NO_JSON,
  })
  const state = await readMachineState({
    argv: ['--config-file', join(dir, 'missing.json')],
    sysClassNet: join(dir, 'no-sys'),
    procNet: join(dir, 'proc'),
    run: busybox,
    withConntrack: true,
    env: {},
  })
  t.same(state.links, [])
  t.ok(state.routes4.some((r) => r.dst === 'default' && r.metric === 100), 'IPv4 routes from /proc')
  t.same(state.routes6, [])
  t.notOk('rules4' in state, 'rules unknown: omitted')
  t.notOk('conntrack' in state, 'conntrack unknown: omitted')
  t.equal(state.daemon_json, null)
  t.equal(state.dockerd_version, null)
  const prefixes = state.read_errors?.map((e) => e.split(':')[0])
  t.same(prefixes, ['links', 'addrs', 'routes4', 'routes6', 'routes6', 'rules4', 'rules6', 'daemon.json', 'conntrack', 'dockerd_version'])
  t.match(state.read_errors?.[0], `cannot list network interfaces in ${join(dir, 'no-sys')}`)
  t.match(state.read_errors?.find((e) => e.startsWith('daemon.json')), 'named by --config-file')
})

t.test('optional parts are only read when asked', async (t) => {
  const dir = t.testdir({ sys: sysfsSpec(sysfsDump(), t.fixture) })
  const run = replayRunner(recordedCommands())
  const state = await readMachineState({
    argv: [], sysClassNet: join(dir, 'sys'), run, withVersion: false, daemonConfigPath: join(dir, 'none.json'), env: {},
  })
  t.notOk(run.calls.some((c) => c.startsWith('conntrack') || c.startsWith('dockerd')), 'neither conntrack nor dockerd was run')
  t.notOk('conntrack' in state)
  t.notOk('dockerd_version' in state)
  t.same(state.read_errors, [])
  t.equal(state.daemon_json, null, 'absent config file')
})

t.test('ipv6RulesNeeded: the IPv6 rules are asked after the routes, only when needed', async (t) => {
  const dir = t.testdir({ sys: sysfsSpec(sysfsDump(), t.fixture) })
  const read = async (needed: boolean) => {
    const run = replayRunner(recordedCommands())
    const seen: number[] = []
    const state = await readMachineState({
      argv: [], sysClassNet: join(dir, 'sys'), run, withVersion: false, daemonConfigPath: join(dir, 'none.json'), env: {},
      ipv6RulesNeeded: (routes6) => { seen.push(routes6.length); return needed },
    })
    return { state, calls: run.calls, seen }
  }
  const skipped = await read(false)
  t.same(skipped.calls, ['ip -j -d -batch -'], 'one ip process: the batch')
  t.notOk('rules6' in skipped.state, 'rules6 omitted, as the contract allows')
  t.same(skipped.state.read_errors, [], 'a rule left unread is no read error')
  t.same(skipped.seen, [skipped.state.routes6.length], 'asked once, with the routes the batch read')
  t.ok(skipped.seen[0] > 0)
  const asked = await read(true)
  t.same(asked.calls, ['ip -j -d -batch -', 'ip -j -6 rule show'], 'after the batch')
  t.equal(asked.state.rules6?.length, 6)
})

t.test('a reader that throws (a bug) does not take the snapshot down', async (t) => {
  const dir = t.testdir({ sys: sysfsSpec(sysfsDump(), t.fixture) })
  const run = async (cmd: string, args: string[]) => {
    if (args.includes('rule') || args.includes('-batch')) throw new Error('runner exploded')
    return replayRunner(recordedCommands())(cmd, args)
  }
  const state = await readMachineState({ argv: [], sysClassNet: join(dir, 'sys'), run, env: {}, daemonConfigPath: join(dir, 'x.json') })
  t.equal(state.links.length, 6, 'links read one by one after the batch threw')
  t.ok(state.routes4.some((r) => r.dst === 'default') && state.routes6.some((r) => r.dst === 'default'), 'routes too')
  t.same([...(state.read_errors ?? [])].sort(), [
    'ip_batch: unexpected error while reading: runner exploded',
    'rules4: unexpected error while reading: runner exploded',
    'rules6: unexpected error while reading: runner exploded',
  ])
})

t.test('snapshotEnv', async (t) => {
  t.same(snapshotEnv({ DOCKERD_ROOTLESS_ROOTLESSKIT_MTU: '1400', DOCKER_HOST: 'unix:///run/docker.sock', DOCKER_TLS_CERTDIR: '/certs', DOCKER_AUTH_CONFIG: 'x', HOME: '/root', DOCKERD_AUTONET_DEBUG: undefined }), {
    DOCKERD_ROOTLESS_ROOTLESSKIT_MTU: '1400', DOCKER_HOST: 'unix:///run/docker.sock', DOCKER_TLS_CERTDIR: '/certs',
  })
})

t.test('a dockerd version given in advance is recorded without running dockerd', async (t) => {
  const dir = t.testdir({ sys: sysfsSpec(sysfsDump(), t.fixture) })
  const run = replayRunner(recordedCommands())
  const state = await readMachineState({
    argv: [], sysClassNet: join(dir, 'sys'), run, dockerdVersion: '29.7.2', daemonConfigPath: join(dir, 'none.json'), env: {},
  })
  t.equal(state.dockerd_version, '29.7.2')
  t.notOk(run.calls.some((c) => c.startsWith('dockerd')), 'dockerd --version was not run')
})

t.test('where it runs goes into the snapshot: euid, rootlesskit (its driver), a sandbox marker', async (t) => {
  const dir = t.testdir({ sys: sysfsSpec(sysfsDump(), t.fixture), proc: { gvisor: {}, version: 'Linux version 4.19.0-gvisor #1 SMP Sun Jan 10 15:06:54 PST 2016\n' } })
  const asked: string[] = []
  const state = await readMachineState({
    argv: [], env: { ROOTLESSKIT_STATE_DIR: '/run/user/1000/dockerd-rootless' }, sysClassNet: join(dir, 'sys'), run: replayRunner(recordedCommands()),
    proc: join(dir, 'proc'), euid: 0, rootlesskitInfo: async (sock) => { asked.push(sock); return { networkDriver: { driver: 'pasta' } } },
  })
  t.equal(state.euid, 0)
  t.same(state.rootlesskit, { net: 'pasta' })
  t.same(asked, ['/run/user/1000/dockerd-rootless/api.sock'])
  t.match(state.sandbox, { kind: 'gvisor' })
  t.notOk('ROOTLESSKIT_STATE_DIR' in (state.env ?? {}), 'the variable itself (a path) stays out of env')
})

t.test('snapshotEnv orders names by code unit, the same whatever the locale', async (t) => {
  // localeCompare put "DOCKERD_a" before "DOCKERD_B"; the kernel's and sysfs' order does not.
  t.same(Object.keys(snapshotEnv({ DOCKERD_a: '1', DOCKERD_B: '2', DOCKER_HOST: 'x', DOCKERD_AUTONET_MTU: '3' })),
    ['DOCKERD_AUTONET_MTU', 'DOCKERD_B', 'DOCKERD_a', 'DOCKER_HOST'])
})

t.test('links, routes and IPv4 rules come from one ip process, IPv6 rules from a second', async (t) => {
  const dir = t.testdir({ sys: sysfsSpec(sysfsDump(), t.fixture) })
  const opts = { argv: [], sysClassNet: join(dir, 'sys'), env: {}, daemonConfigPath: join(dir, 'x.json'), withVersion: false }
  const batched = replayRunner(recordedCommands())
  const one = await readMachineState({ ...opts, run: batched })
  t.same(batched.calls.filter((c) => c.startsWith('ip ')), ['ip -j -d -batch -', 'ip -j -6 rule show'], 'two ip processes, not five')
  const { 'ip -j -d -batch -': _batch, ...alone } = recordedCommands()
  const each = replayRunner(alone)
  t.same(await readMachineState({ ...opts, run: each }), one, 'the same snapshot when ip gives no batch answer and each listing is asked alone')
  t.same(each.calls.filter((c) => c.startsWith('ip ')).sort(), [
    'ip -j -4 route show table all', 'ip -j -4 rule show', 'ip -j -6 route show table all', 'ip -j -6 rule show', 'ip -j -d -batch -', 'ip -j -d addr show',
  ])
})
