/**
 * engine-flags.ts: which flags and daemon.json keys an engine of a known version surely lacks,
 * and its tables checked against the real engines (fetched by scripts/fetch-engines.sh; a
 * missing engine fails the test, it is never skipped).
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { MEASURED_ENGINES, flagMissingFromEngine } from '../../src/dockerd/engine-flags.js'
import { dockerdFlagNames, parseDockerdFlags } from '../../src/dockerd/flags.js'
import { oracleEngines } from '../e2e/lib/engines.js'

const missing = (argv: string[], version: string | null, daemonJson: Record<string, unknown> | null = null) =>
  flagMissingFromEngine(parseDockerdFlags(argv), daemonJson, version)

t.test('the trial examples: a flag or key the known engine lacks, in dockerd\'s words', async (t) => {
  t.equal(missing(['--firewall-backend=iptables'], '26.1.5'),
    'dockerd 26.1.5 has no such flag and will refuse your arguments (unknown flag: --firewall-backend)')
  t.equal(missing(['--default-network-opt=bridge=x=y'], '20.10.24'),
    'dockerd 20.10.24 has no such flag and will refuse your arguments (unknown flag: --default-network-opt)')
  for (const [key, value] of [['firewall-backend', 'iptables'], ['allow-direct-routing', true], ['ip-forward-no-drop', true]] as const) {
    t.equal(missing([], '26.1.5', { [key]: value }),
      `daemon.json has "${key}", which dockerd 26.1.5 does not know: dockerd refuses to start on it ("the following directives don't match any configuration option: ${key}")`)
  }
})

t.test('an engine that has the flag, or no version known: nothing refused', async (t) => {
  t.equal(missing(['--allow-direct-routing', '--bip6=fd00::1/64'], '28.5.2'), null)
  t.equal(missing([], '28.5.2', { 'allow-direct-routing': true, 'ip-forward-no-drop': true }), null)
  t.equal(missing(['--default-network-opt=bridge=x=y'], '26.1.5'), null)
  for (const v of [null, undefined, '', 'unknown', 'dev']) {
    t.equal(missing(['--firewall-backend=iptables', '--default-network-opt=bridge=x=y'], v as string | null, { 'allow-direct-routing': true }), null, `version ${v}`)
  }
})

t.test('a version between measured engines is judged by both neighbours: refused only when neither has it', async (t) => {
  // default-network-opt: 26.1 has it, 20.10 does not; 24.0 (which has it) must not be refused.
  for (const v of ['21.0.0', '23.0.6', '24.0.7', '25.0.5']) t.equal(missing(['--default-network-opt=bridge=x=y'], v), null, v)
  t.equal(missing(['--default-network-opt=bridge=x=y'], '20.10.7'),
    'dockerd 20.10.7 has no such flag (dockerd 20.10.24, of the same line, has none) and will refuse your arguments (unknown flag: --default-network-opt)')
  // A 28.5-only flag: refused from 20.10 to 26.1; 27.x and 28.0 lie between 26.1 and 28.5, which has it.
  t.match(missing(['--bip6=fd00::1/64'], '24.0.7'), /neither dockerd 20\.10 nor 26\.1 has one/)
  t.equal(missing(['--bip6=fd00::1/64'], '27.5.1'), null, '28.5 has it: 27.x may')
  t.equal(missing(['--bip6=fd00::1/64'], '28.0.0'), null, '28.0 lies between 26.1 and 28.5, which has it')
  // A removed flag (20.10 has it, 26.1 does not): refused from 26.1 only.
  t.equal(missing(['--cluster-store=consul://x'], '23.0.0'), null)
  t.match(missing(['--cluster-store=consul://x'], '26.1.5'), /unknown flag: --cluster-store\)$/)
  t.match(missing(['--cluster-store=consul://x'], '27.1.0'), /neither dockerd 26\.1 nor 28\.5 has one/)
  // Outside the measured range one side is unknown: nothing refused.
  t.equal(missing(['--firewall-backend=iptables'], '29.0.0'), null, 'added after 28.5')
  t.equal(missing(['--cluster-store=consul://x'], '29.0.0'), null)
  t.equal(missing(['--exec-driver=native'], '1.13.1'), null, 'removed before 20.10')
  t.equal(missing(['--firewall-backend=iptables'], '19.03.15'), null)
})

t.test('hidden and deprecated flags an engine still accepts are not missing', async (t) => {
  t.equal(missing(['--graph=/x', '--cluster-store=consul://x', '--restart', '--network-diagnostic-port=1'], '20.10.24'), null)
  t.equal(missing(['--api-cors-header=*', '--allow-nondistributable-artifacts=r.example', '--restart'], '28.5.2'), null)
  t.match(missing(['--graph=/x'], '26.1.5'), /unknown flag: --graph\)$/)
  t.match(missing(['-D', '-g', '/x'], '26.1.5'), /unknown shorthand flag: 'g' in -g\)$/, 'a shorthand in pflag\'s words')
})

t.test('daemon.json keys: by the flags they belong to; file-only keys and objects never refused here', async (t) => {
  t.match(missing([], '20.10.24', { 'default-network-opts': 'x' }), /"default-network-opts", which dockerd 20\.10\.24 does not know/, 'a flag\'s config name')
  t.equal(missing([], '20.10.24', { 'default-network-opts': { bridge: { 'com.docker.network.driver.mtu': '1400' } } }), null,
    'an object 20.10 flattens and 26 reads whole: fail open')
  t.match(missing([], '20.10.24', { proxies: { 'http-proxy': 'http://p:3128' } }), /"http-proxy", which dockerd 20\.10\.24 does not know/, 'flattened as dockerd does')
  t.equal(missing([], '26.1.5', { proxies: { 'http-proxy': 'http://p:3128' } }), null)
  t.equal(missing([], '20.10.24', { builder: { gc: { enabled: true } }, features: { buildkit: true }, 'host-gateway-ips': ['1.2.3.4'] }), null)
  t.equal(missing([], '26.1.5', { hosts: ['fd://'], labels: ['a=b'], mtu: 1400, 'api-cors-header': '*' }), null)
  t.equal(missing([], '26.1.5', { 'some-new-key': 1 }), null, 'a key no dockerd has is unknownConfigKeys\' to refuse')
  t.equal(missing(['--some-new-flag'], '26.1.5'), null, 'a flag no dockerd has is unknownFlag\'s to refuse')
  t.match(missing(['--mtu=1400', '--validate'], '20.10.24', { 'firewall-backend': 'x' }), /unknown flag: --validate\)$/, 'a flag first, as pflag refuses before the file is read')
})

t.test('each table is sorted, and only holds flags of the union in flags.ts', async (t) => {
  const union = new Set(dockerdFlagNames())
  for (const e of MEASURED_ENGINES) {
    t.same([...e.help], [...e.help].sort(), `${e.version} help sorted`)
    t.same([...e.hidden], [...e.hidden].sort(), `${e.version} hidden sorted`)
    t.same([...e.help, ...e.hidden].filter((f) => !union.has(f)), [], `${e.version}: every flag in flags.ts`)
    t.same(e.help.filter((f) => e.hidden.includes(f)), [], `${e.version}: hidden ones are not in --help`)
  }
})

/** Runs the engine's dockerd with `args` (help only: pflag parses the flags, cobra prints the help, nothing starts). */
function dockerd(bin: string, args: string[]): { status: number | null, out: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 10_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } })
  if (r.error) throw new Error(`${bin} ${args.join(' ')}: ${r.error.message}`)
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

t.test('the tables are what the real engines print and accept', async (t) => {
  for (const engine of oracleEngines(t, 'the tables')) {
    const table = MEASURED_ENGINES.find((e) => e.version === engine.version)
    if (!table) { t.fail(`${engine.label} (${engine.suite}) has no table in engine-flags.ts: measure it`); continue }
    const help = dockerd(engine.dockerd, ['--help'])
    t.equal(help.status, 0, `${engine.label} --help`)
    const listed = [...new Set([...help.out.matchAll(/^\s+(?:-[a-zA-Z], )?--([a-z0-9-]+)/gm)].map((m) => m[1]))].sort()
    t.same(listed, [...table.help], `${engine.label}: the table is what --help lists`)
    // Every flag of the union not listed: accepted (hidden) or refused as unknown, as the table says.
    const accepted = dockerdFlagNames().filter((f) => !listed.includes(f) && f !== 'help').filter((f) => {
      const r = dockerd(engine.dockerd, [`--${f}=1`, '--help'])
      return !r.out.includes(`unknown flag: --${f}\n`)
    })
    t.same(accepted, [...table.hidden], `${engine.label}: the hidden flags it accepts`)
  }
})
