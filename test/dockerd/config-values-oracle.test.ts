/**
 * start-decision.ts refusedStart held against the real engines' own config check, for the
 * daemon.json values and the merged-config rules (fetched by scripts/fetch-engines.sh; a missing
 * engine fails the test, it is never skipped). The check starts nothing:
 * - 23 and later: `dockerd --validate --config-file F ARGS` loads and validates the flags and
 *   the file and exits ("configuration OK", or the refusal);
 * - 20.10 has no --validate: run as a non-root user (a new user namespace, unmapped, so euid
 *   is the overflow id), dockerd loads and validates the same way and then stops with
 *   "dockerd needs to be started with root privileges", which it checks "before creating
 *   files" (moby v20.10.24 cmd/dockerd/daemon.go start).
 * Every run is in its own user and network namespace (unshare -U -n: no privilege, no network
 * of the host's) with a 10 s timeout. For each case, an engine's check refuses exactly when
 * refusedStart, told that engine's version, does, except where AT_START or MISSED say why not.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { refusedStart } from '../../src/cli/start-decision.js'
import { oracleEngines } from '../e2e/lib/engines.js'

/** [daemon.json, dockerd's flags]. */
const CASES: [Record<string, unknown>, string[]][] = [
  // values of daemon.json held to their flag's rule (flag-values.ts refusedConfigListValue)
  [{ labels: ['foo'] }, []], [{ labels: ['a=b'] }, []], [{ labels: ['com.docker.x=y'] }, []],
  [{ dns: ['1.2.3'] }, []], [{ dns: ['1.2.3.4', '::1'] }, []], [{ 'dns-search': ['-bad'] }, []], [{ 'dns-search': ['example.com'] }, []],
  [{ hosts: ['bogus://x'] }, []], [{ hosts: ['unix:///tmp/autonet-oracle.sock', ''] }, []],
  [{ 'registry-mirrors': ['mirror.gcr.io'] }, []], [{ 'registry-mirrors': ['https://m'] }, []],
  [{ ip: 'x' }, []], [{ ip: '1.2.3.4' }, []], [{ 'default-gateway': 'x' }, []], [{ 'default-gateway': '' }, []], [{ 'default-gateway-v6': 'zz' }, []],
  // a list's elements, a map's values, a struct's fields of the wrong JSON kind (config-keys.ts refusedConfigValue)
  [{ 'default-network-opts': { bridge: { 'com.docker.network.driver.mtu': 1400 } } }, []],
  [{ 'default-network-opts': { bridge: { 'com.docker.network.driver.mtu': '1400' } } }, []], [{ 'default-network-opts': { bridge: 'x' } }, []],
  [{ 'log-opts': { 'max-size': 5 } }, []], [{ 'log-opts': { 'max-size': null } }, []], [{ 'default-ulimits': { nofile: 'x' } }, []],
  [{ 'default-ulimits': { nofile: null } }, []], [{ runtimes: { r: 'x' } }, []], [{ features: { x: 'notbool' } }, []], [{ features: { x: null } }, []],
  [{ proxies: { 'http-proxy': 5 } }, []], [{ 'dns-opts': [1] }, []], [{ labels: [1] }, []], [{ dns: [1] }, []], [{ 'exec-opts': [true] }, []],
  // checked once flags and file are merged (flag-values.ts refusedMergedValue): labels giving a key two values, generic resources
  [{}, ['--label', 'a=b', '--label', 'a=c']], [{}, ['--label=a=b', '--label=a=b', '--label=a=b=c']], [{}, ['--label=a=b', '--label=a=b']],
  [{ labels: ['a=b', 'a=c'] }, []], [{ labels: ['a=b', 'a=b'] }, []],
  [{ 'node-generic-resources': ['bogus'] }, []], [{ 'node-generic-resources': ['gpu=1', 'gpu=2'] }, []], [{ 'node-generic-resources': [' gpu = 1'] }, []],
  [{ 'node-generic-resources': ['gpu=a', 'gpu=b'] }, []], [{}, ['--node-generic-resource=bogus']], [{}, ['--node-generic-resource=a=b=c']],
  [{}, ['--node-generic-resource=gpu=-1']], [{}, ['--node-generic-resource=gpu=a', '--node-generic-resource=gpu=b']],
  [{}, ['--default-network-opt=bridge']], [{ 'registry-mirrors': ['https://m/p?x=1'] }, []], [{ 'registry-mirrors': ['https://u@m'] }, []],
  // counts moby's Validate keeps from going negative (settings.ts refusedCount), file and flag
  [{ 'max-concurrent-downloads': -1 }, []], [{ 'max-concurrent-uploads': -1 }, []], [{ 'max-download-attempts': -1 }, []],
  [{ 'max-concurrent-downloads': 0, 'max-concurrent-uploads': 0 }, []], [{ 'max-download-attempts': 0 }, []], [{ 'max-download-attempts': 1 }, []],
  [{}, ['--max-concurrent-downloads=-1']], [{}, ['--max-concurrent-uploads=-1']], [{}, ['--max-download-attempts=-1']],
  [{}, ['--max-download-attempts=0']], [{}, ['--max-concurrent-downloads=0']],
  // trial: values every engine refuses that we accepted; default-shm-size is opts.MemBytes (a JSON string only, go-units RAMInBytes)
  [{ 'default-shm-size': 'abc' }, []], [{ 'default-shm-size': '-1' }, []], [{ 'default-shm-size': '' }, []], [{ 'default-shm-size': -1 }, []],
  [{ 'default-shm-size': 64 }, []], [{ 'default-shm-size': true }, []], [{ 'default-shm-size': null }, []], [{ 'default-shm-size': '64m' }, []],
  [{ 'host-gateway-ip': 'bogus' }, []], [{ 'host-gateway-ip': '1.2.3' }, []], [{ 'host-gateway-ip': '' }, []], [{ 'host-gateway-ip': '1.2.3.4' }, []],
  [{ 'default-ipc-mode': 'bogus' }, []], [{ 'default-ipc-mode': 'host' }, []], [{ 'default-ipc-mode': 'shareable' }, []], [{ 'default-ipc-mode': '' }, []],
  [{ 'log-format': 'xml' }, []], [{ 'log-format': 'json' }, []], [{ 'default-cgroupns-mode': 'bogus' }, []], [{ 'default-cgroupns-mode': 'private' }, []],
  [{}, ['--log-format=xml']], [{}, ['--log-format=JSON']], [{}, ['--log-format=text']], [{}, ['--default-cgroupns-mode=bogus']], [{}, ['--default-cgroupns-mode=Host']],
  [{}, ['--default-cgroupns-mode=host']], [{}, ['--default-ipc-mode=bogus']], [{}, ['--default-ipc-mode=none']], [{}, ['--default-ipc-mode=container:x']],
  [{}, ['--default-ipc-mode=private']], [{}, ['--default-ipc-mode= private']],
  // fixed-cidr-v6 (26 and later: Validate; 20.10 not refused, not measured)
  [{}, ['--fixed-cidr-v6=bogus']], [{}, ['--fixed-cidr-v6=10.0.0.0/24']], [{}, ['--fixed-cidr-v6=::ffff:10.2.4.0/24']], [{}, ['--fixed-cidr-v6=fe80::/63']],
  [{}, ['--fixed-cidr-v6=fe80::/128']], [{}, ['--fixed-cidr-v6=fe80::/64']], [{}, ['--fixed-cidr-v6=::/0']], [{}, ['--fixed-cidr-v6=fe00::/7']], [{}, ['--fixed-cidr-v6=fe80:1234::/80']], [{}, ['--fixed-cidr-v6=fd00::1/64']], [{ 'fixed-cidr-v6': 'bogus' }, []], [{ 'fixed-cidr-v6': 'fd00:1::/64' }, []],
  [{ builder: { gc: { enabled: 'x' } } }, []], [{ builder: { GC: { Enabled: 'x' } } }, []], [{ builder: { gc: { defaultKeepStorage: 5 } } }, []],
  [{ builder: { gc: { policy: 'x' } } }, []], [{ builder: { gc: 'x' } }, []], [{ builder: { entitlements: { 'network-host': 'x' } } }, []],
  [{ builder: { Entitlements: { 'Security-Insecure': 1 } } }, []], [{ builder: { gc: { enabled: null } } }, []],
  [{ builder: { gc: { enabled: true, defaultKeepStorage: '10GB' } } }, []], [{ builder: { foo: { enabled: 'x' } } }, []],
  // an empty bridge or address in the file (settings.ts ownBridgeChoice): a key present still clashes with its flag
  [{ bridge: '' }, []], [{ bridge: '' }, ['--bridge=br-oracle']], [{ bridge: null }, ['--bridge=br-oracle']],
  [{ bip: '' }, ['--bridge=br-oracle']], [{ bip: null }, ['--bridge=br-oracle']],
]

/**
 * Keys whose values these engines check only as the daemon starts, after the config check:
 * refusedStart refuses them, the check lets them pass, dockerd exits all the same.
 * hosts on 20.10: cmd/dockerd/daemon.go loadListeners, dopts.ParseHost; registry-mirrors on
 * 20.10 and 26.1: daemon.NewDaemon, registry.NewService (ValidateMirror).
 */
const AT_START: Record<string, string[]> = { hosts: ['bookworm'], 'registry-mirrors': ['bookworm', 'trixie'] }

/** Cases an engine refuses and refusedStart lets pass (fail open: the rule is not every engine's), by suite. */
const MISSED: [Record<string, unknown>, string[], string[]][] = [
  [{ dns: [''] }, [], ['bookworm']], // 20.10 Validate: ValidateIPAddress(""); 26 and later: net.IP reads "" as unset
  [{ ip: ' 1.2.3.4' }, [], ['bookworm', 'trixie', 'sid']], // net.IP UnmarshalText does not trim; the flag (26 and later) does
]

t.test('each engine\'s config check refuses a case exactly when refusedStart does', async (t) => {
  const dir = t.testdir({})
  const file = path.join(dir, 'daemon.json')
  const missed = new Map(MISSED.map(([dj, argv, suites]) => [JSON.stringify([dj, argv]), suites]))
  for (const engine of oracleEngines(t, 'the rules')) {
    for (const [dj, argv] of [...CASES, ...MISSED.map(([d, a]) => [d, a] as [Record<string, unknown>, string[]])]) {
      const what = `${engine.label} ${JSON.stringify(dj)} ${argv.join(' ')}`
      writeFileSync(file, JSON.stringify(dj))
      const validate = engine.major >= 23 ? ['--validate'] : []
      const r = spawnSync('unshare', ['-U', '-n', engine.dockerd, ...validate, '--config-file', file, ...argv],
        { cwd: dir, encoding: 'utf8', timeout: 10_000, env: { PATH: [...engine.binDirs, '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(':') } })
      if (r.error) { t.fail(`${what}: ${r.error.message}`); continue }
      const out = `${r.stdout}${r.stderr}`
      const passed = engine.major >= 23 ? r.status === 0 && /configuration OK/.test(out) : /dockerd needs to be started with root privileges/.test(out)
      const theirs = passed ? null : (out.trim().split('\n').at(-1) ?? `exit ${r.status}`)
      const ours = refusedStart({ links: [], routes4: [], routes6: [], argv, daemon_json: dj, dockerd_version: engine.version })
      const later = ours !== null && Object.keys(dj).some((k) => AT_START[k]?.includes(engine.suite))
      const missedBy = missed.get(JSON.stringify([dj, argv]))
      const expected = missedBy ? missedBy.includes(engine.suite) : later ? false : ours !== null
      t.equal(theirs !== null, expected, `${what}: dockerd says ${theirs ?? 'ok'}; we say ${ours ?? 'ok'}${later ? ' (the engine checks it as it starts)' : ''}`)
      if (missedBy) t.equal(ours, null, `${what}: we let it pass`)
    }
  }
})
