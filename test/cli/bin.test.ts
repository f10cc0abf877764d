/**
 * The real entry point against a stub dockerd: bin/dockerd-autonet.js (built from src/ in
 * `before`), spawned as a user or a container runtime would, plus main() wired to the real
 * execDockerd for what needs a controlled reader.
 */
import t, { type Test } from 'tap'
import { execa } from 'execa'
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { main } from '../../src/cli/main.js'
import { execDockerd } from '../../src/apply/exec-dockerd.js'
import { memoryLogger } from '../../src/log.js'
import type { MachineState } from '../../src/model.js'
import { makeStub } from '../helpers/stub-dockerd.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = `${ROOT}/bin/dockerd-autonet.js`
const CASE01 = fileURLToPath(new URL('../../../shared/cases/01-arc-dind-pod-eth0-1450.json', import.meta.url))

t.before(async () => {
  await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT })
})

/**
 * Run the built wrapper; never rejects, the result carries exitCode/stdout/stderr.
 * It reads this machine for real, so every fix that would change the machine (iptables rule,
 * conntrack entries, bridge MAC) is switched off: these tests are about arguments and signals.
 */
const NO_CHANGES = {
  DOCKERD_AUTONET_NO_CLAMP_MSS: '1', DOCKERD_AUTONET_NO_CONNTRACK: '1', DOCKERD_AUTONET_NO_BRIDGE_MAC: '1',
  // A test that forgets its stub must not start the machine's real dockerd in the host namespace.
  DOCKERD_AUTONET_EXEC: '/bin/false',
}
const wrapper = (args: string[], env: Record<string, string> = {}) =>
  execa('node', [BIN, ...args], { cwd: ROOT, env: { ...NO_CHANGES, ...env }, reject: false, stdin: 'ignore' })

t.test('bin: user argv first and in order, ours stripped, the stub\'s exit code is ours', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const user = ['-H', 'fd://', '--mtu', '1400', '--debug']
  const r = await wrapper([`--autonet-exec=${stub.path}`, '-H', 'fd://', '--autonet-max-mtu=9000', '--mtu', '1400', '--debug'], { STUB_EXIT: '3' })
  t.equal(r.exitCode, 3, r.stderr)
  const argv = stub.argv() ?? []
  t.same(argv.slice(0, user.length), user)
  for (const extra of argv.slice(user.length)) t.match(extra, /^--[a-z-]+=/, 'planned flags use --flag=value')
  t.notOk(argv.some((a) => a.startsWith('--autonet-')))
  t.match(r.stderr, /^dockerd-autonet: starting: /m)
})

t.test('bin: SIGTERM to the wrapper reaches dockerd; dockerd\'s exit code comes back', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const run = wrapper([`--autonet-exec=${stub.path}`], { STUB_WAIT: '1', STUB_EXIT: '7' })
  await stub.waitReady()
  run.kill('SIGHUP')
  await stub.waitSignal('SIGHUP')
  run.kill('SIGTERM')
  const r = await run
  t.equal(r.exitCode, 7, r.stderr)
  t.same(stub.signals(), ['SIGHUP', 'SIGTERM'])
})

t.test('bin: dockerd killed by SIGKILL gives 137', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const run = wrapper([`--autonet-exec=${stub.path}`], { STUB_WAIT: '1' })
  process.kill(await stub.waitReady(), 'SIGKILL')
  t.equal((await run).exitCode, 137)
})

t.test('bin: `dockerd ...` found on PATH; --autonet-disable passes argv through exactly', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const r = await wrapper(['dockerd', '--autonet-disable', '--debug', '--', 'x'], { PATH: `${stub.dir}:/usr/bin:/bin` })
  t.equal(r.exitCode, 0, r.stderr)
  t.same(stub.argv(), ['--debug', '--', 'x'])
  t.equal(r.stderr, '', 'nothing of ours printed')
})

t.test('bin: command not found exits 127 naming it; a bad value is named and dockerd still starts', async (t) => {
  const missing = await wrapper(['--autonet-exec=/nonexistent/dockerd', '--autonet-disable'])
  t.equal(missing.exitCode, 127)
  t.match(missing.stderr, /dockerd-autonet: error: \/nonexistent\/dockerd: no such file/)
  const stub = makeStub()
  t.teardown(stub.remove)
  const bad = await wrapper([`--autonet-exec=${stub.path}`, '--autonet-max-mtu=9k', '--debug'], { STUB_EXIT: '5' })
  t.equal(bad.exitCode, 5, 'the stub ran and its code is ours')
  t.same(stub.argv(), ['--debug'], 'with the user arguments unchanged')
  t.match(bad.stderr, /invalid value for --autonet-max-mtu: "9k" .*; starting .* with your arguments unchanged/)
  const planBad = await wrapper(['plan', '--autonet-max-mtu=9k'])
  t.equal(planBad.exitCode, 2, 'a subcommand refuses it')
})

t.test('bin: plan --state CASE --json, help and version print on stdout', async (t) => {
  const plan = await wrapper(['plan', '--state', CASE01, '--json'])
  t.equal(plan.exitCode, 0, plan.stderr)
  t.same(Object.keys(JSON.parse(plan.stdout)), ['egress', 'mtu', 'args', 'warnings', 'reasons', 'error', 'actions'])
  const help = await wrapper(['--help'])
  t.equal(help.exitCode, 0)
  t.match(help.stdout, /Exit codes:/)
  const version = await wrapper(['version'])
  t.match(version.stdout, /^dockerd-autonet \d+\.\d+\.\d+$/)
})

/** main() with a given machine state and the real exec against the stub (spawn path). */
async function runMain(argv: string[], stubPath: string, readState: () => Promise<MachineState>) {
  const log = memoryLogger()
  const code = await main(argv, { ...process.env, DOCKERD_AUTONET_EXEC: stubPath }, {
    readState,
    applyActions: async () => {},
    // execve: null so the test runner is not replaced on Node >= 22.15.
    exec: (cmd, args, o) => execDockerd(cmd, args, { ...o, execve: null }),
    log,
  })
  return { code, log }
}

t.test('main + exec: planned flags are appended after the user\'s argv (case 01: --mtu=1450)', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const fixture = JSON.parse(readFileSync(CASE01, 'utf8')).fixture as MachineState
  const user = ['-H', 'fd://', '--label', 'team=a b'] // a label dockerd takes (key=value), with a blank in it
  const { code } = await runMain(user, stub.path, async () => ({ ...fixture, argv: user }))
  t.equal(code, 0)
  const argv = stub.argv() ?? []
  t.same(argv.slice(0, user.length), user)
  t.ok(argv.slice(user.length).includes('--mtu=1450'), argv.join(' '))
})

t.test('main + exec: fail open, a reader that throws leaves the stub exactly the user\'s args', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const { code, log } = await runMain(['-H', 'fd://', '--autonet-debug', '--mtu', '1400', '--'], stub.path, async () => { throw new Error('netlink: EPERM') })
  t.equal(code, 0)
  t.same(stub.argv(), ['-H', 'fd://', '--mtu', '1400', '--'])
  t.match(log.lines.join('\n'), /detection failed: netlink: EPERM; starting .*dockerd with your arguments unchanged/)
})

t.test('bin: the start-path contract for real — dry run next to a bad option, two-word values, a positional word', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const dry = await wrapper([`--autonet-exec=${stub.path}`, '--autonet-dry-run', '--autonet-max-mtu=abc', '--debug'])
  t.equal(dry.exitCode, 0)
  t.equal(stub.argv(), null, 'the dry run started nothing')
  t.match(dry.stdout, /command: {2}\S+dockerd --debug$/)
  const twoWords = await wrapper(['--autonet-exec', stub.path, '--autonet-max-mtu', '9000', '--debug'], { STUB_EXIT: '4' })
  t.equal(twoWords.exitCode, 4, 'the stub ran, not a program called 9000')
  t.same(stub.argv()?.slice(0, 1), ['--debug'])
  t.notOk(stub.argv()?.some((a) => a === '9000' || a.startsWith('--autonet-')), 'our words never reach dockerd')
  const positional = await wrapper([`--autonet-exec=${stub.path}`, '--debug', 'stray'])
  t.same(stub.argv(), ['--debug', 'stray'], 'dockerd will refuse it: passed unchanged, nothing appended')
  t.match(positional.stderr, /dockerd takes no arguments and will refuse "stray"/)
})

t.test('bin: JSON nested 100000 deep is a clear error, never a stack overflow (exit 70)', async (t) => {
  const deep = '{"a":'.repeat(100000) + '1' + '}'.repeat(100000)
  const dir = t.testdir({ 'daemon.json': deep, 'state.json': `{"links":[],"daemon_json":${deep}}` })
  const snap = await wrapper(['snapshot', '--', `--config-file=${dir}/daemon.json`])
  t.equal(snap.exitCode, 0, snap.stderr)
  t.match(snap.stdout, /daemon.json: .*daemon.json: nested deeper than 1000 levels at line 1, column 5001; not read/)
  const anon = await wrapper(['snapshot', '--anonymize', '--', `--config-file=${dir}/daemon.json`])
  t.equal(anon.exitCode, 0, anon.stderr)
  const plan = await wrapper(['plan', '--state', `${dir}/state.json`])
  t.equal(plan.exitCode, 2)
  t.match(plan.stderr, /state file .*state.json:1:5022: nested deeper than 1000 levels; not a snapshot/)
})

t.test('bin: the start path loads no node:crypto (src/digest.ts), node:fs/promises (src/files.ts) or promise hooks (runner.ts withinDeadline)', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const dir = mkdtempSync(join(tmpdir(), 'autonet-modules-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const hook = join(dir, 'hook.cjs')
  writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'loaded'))}, process.moduleLoadList.join('\\n')))\n`)
  // Through env(1): tap's process-info hook puts itself into every node child's NODE_OPTIONS,
  // and it loads crypto.
  const r = await execa('env', ['-u', 'NODE_OPTIONS', process.execPath, '--require', hook, BIN, `--autonet-exec=${stub.path}`, '--autonet-dockerd-version=28.5.2', '--debug'],
    { cwd: ROOT, env: NO_CHANGES, reject: false, stdin: 'ignore' })
  t.equal(r.exitCode, 0, r.stderr)
  t.same(stub.argv()?.slice(0, 1), ['--debug'], 'dockerd ran')
  const loaded = readFileSync(join(dir, 'loaded'), 'utf8').split('\n')
  t.ok(loaded.includes('NativeModule child_process'), 'the list is the real one')
  t.same(loaded.filter((m) => /^NativeModule (crypto|internal\/crypto\/|fs\/promises|internal\/promise_hooks)/.test(m)), [], 'none of them loaded')
})

/**
 * The built bin installed as `dockerd` in a PATH directory before the real one (a symlink), and
 * a recording stub as the real dockerd. A hook in NODE_OPTIONS counts the bin's starts and stops
 * the fourth, so that a loop (the bin starting itself) ends here instead of going on forever.
 */
function selfOnPath(t: Test) {
  const dir = t.testdir({ ours: {}, real: {} })
  const record = join(dir, 'record')
  const count = join(dir, 'count')
  writeFileSync(join(dir, 'real', 'dockerd'), `#!/bin/sh\nprintf '%s\\n' "$DOCKERD_WRAPPED_BY_AUTONET" "$@" > ${JSON.stringify(record)}\n`, { mode: 0o755 })
  symlinkSync(BIN, join(dir, 'ours', 'dockerd'))
  const hook = join(dir, 'hook.cjs')
  writeFileSync(hook, `const fs = require('fs')
if (process.argv[1] && fs.realpathSync(process.argv[1]) === ${JSON.stringify(realpathSync(BIN))}) {
  const n = (fs.existsSync(${JSON.stringify(count)}) ? Number(fs.readFileSync(${JSON.stringify(count)}, 'utf8')) : 0) + 1
  fs.writeFileSync(${JSON.stringify(count)}, String(n))
  if (n > 3) { process.stderr.write('test hook: dockerd-autonet started a 4th time: a loop\\n'); process.exit(99) }
}
`)
  const env = { DOCKERD_AUTONET_NO_CLAMP_MSS: '1', DOCKERD_AUTONET_NO_CONNTRACK: '1', DOCKERD_AUTONET_NO_BRIDGE_MAC: '1', NODE_OPTIONS: `--require ${hook}`,
    PATH: `${dir}/ours:${dir}/real:${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin` }
  return {
    dockerd: join(dir, 'ours', 'dockerd'),
    run: (args: string[], extra: Record<string, string> = {}) =>
      execa(join(dir, 'ours', 'dockerd'), args, { env: { ...env, ...extra }, extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 }),
    recorded: () => existsSync(record) ? readFileSync(record, 'utf8').split('\n').slice(0, -1) : null,
    starts: () => existsSync(count) ? Number(readFileSync(count, 'utf8')) : 0,
  }
}

t.test('bin installed as `dockerd` before the real one on PATH: it starts the real one, not itself', async (t) => {
  const s = selfOnPath(t)
  const r = await s.run(['--autonet-dockerd-version=28.5.2', '--debug'])
  t.equal(r.exitCode, 0, r.stderr)
  t.equal(s.starts(), 1, 'dockerd-autonet ran once')
  const rec = s.recorded() ?? []
  t.equal(rec[0], '1', 'dockerd\'s environment says DOCKERD_WRAPPED_BY_AUTONET=1')
  t.same(rec.slice(1, 2), ['--debug'], 'the real dockerd got the user\'s argv first')
})

t.test('bin installed as `dockerd`: the version probe asks the real dockerd too, not ourselves', async (t) => {
  const s = selfOnPath(t)
  const r = await s.run(['--debug'])
  t.equal(r.exitCode, 0, r.stderr)
  t.equal(s.starts(), 1, 'dockerd-autonet ran once: `dockerd --version` did not start it again')
  t.same(s.recorded()?.slice(0, 2), ['1', '--debug'])
})

t.test('bin started as `dockerd` with DOCKERD_WRAPPED_BY_AUTONET set: the real dockerd, untouched, nothing planned', async (t) => {
  const s = selfOnPath(t)
  const r = await s.run(['--debug', '--mtu=1400'], { DOCKERD_WRAPPED_BY_AUTONET: '1' })
  t.equal(r.exitCode, 0, r.stderr)
  t.same(s.recorded(), ['2', '--debug', '--mtu=1400'], 'exactly the argv, the count one up')
  t.notMatch(r.stderr, /starting:/, 'no plan')
  t.equal(s.starts(), 1)
})

t.test('bin: at DOCKERD_WRAPPED_BY_AUTONET=4 the loop guard starts nothing (exit 127, one line)', async (t) => {
  const s = selfOnPath(t)
  const r = await s.run(['--debug'], { DOCKERD_WRAPPED_BY_AUTONET: '4' })
  t.equal(r.exitCode, 127)
  t.equal(s.recorded(), null, 'nothing started')
  t.match(r.stderr, /^dockerd-autonet: error: DOCKERD_WRAPPED_BY_AUTONET=4: dockerd-autonet has handed this dockerd on 4 times or more, which only a loop does .*; not starting dockerd$/m)
})
