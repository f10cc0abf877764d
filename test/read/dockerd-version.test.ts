import t from 'tap'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDockerdVersion, readDockerdVersion } from '../../src/read/dockerd-version.js'
import { readMachineState } from '../../src/read/machine-state.js'
import { EXIT_TIMED_OUT, execFileRunner, type Runner } from '../../src/tools/runner.js'
import { ok, replayRunner } from '../helpers/fake-machine.js'

t.test('parseDockerdVersion', async (t) => {
  t.equal(parseDockerdVersion('Docker version 20.10.24+dfsg1, build 5d6db84\n'), '20.10.24', 'Debian package (recorded here)')
  t.equal(parseDockerdVersion('Docker version 27.3.1, build ce12230'), '27.3.1')
  t.equal(parseDockerdVersion('Docker version 28.0.0-rc.1, build 1234567'), '28.0.0')
  t.equal(parseDockerdVersion('Docker version 17.03.2-ce, build f5ec1e2'), '17.03.2', 'digits as printed')
  t.equal(parseDockerdVersion('Docker version dev, build unknown'), null)
  t.equal(parseDockerdVersion(''), null)
})

t.test('readDockerdVersion runs the program', async (t) => {
  const dir = t.testdir({
    'dockerd-ok': '#!/bin/sh\n[ "$1" = --version ] && echo "Docker version 27.3.1, build ce12230"\n',
    'dockerd-fails': '#!/bin/sh\necho "Docker version 27.3.1, build ce12230"\nexit 1\n',
    'dockerd-hangs': '#!/bin/sh\nexec sleep 10\n',
    'dockerd-garbage': '#!/bin/sh\necho hello\n',
  })
  for (const f of ['dockerd-ok', 'dockerd-fails', 'dockerd-hangs', 'dockerd-garbage']) chmodSync(join(dir, f), 0o755)
  t.same(await readDockerdVersion(join(dir, 'dockerd-ok')), { version: '27.3.1', problem: null })
  t.same(await readDockerdVersion(join(dir, 'dockerd-fails')), { version: null, problem: 'failed (exit 1)' }, 'non-zero exit')
  t.same(await readDockerdVersion(join(dir, 'dockerd-garbage')), { version: null, problem: 'its output names no version' })
  t.same(await readDockerdVersion(join(dir, 'no-such-dockerd')), { version: null, problem: `could not be run (${join(dir, 'no-such-dockerd')}: ENOENT)` }, 'missing program')
  const started = Date.now()
  t.same(await readDockerdVersion(join(dir, 'dockerd-hangs'), 300), { version: null, problem: 'timed out after 0.3 s' }, 'timed out')
  t.ok(Date.now() - started < 5000, 'did not wait for the hung program')
  // The start path hands its read-phase runner (60 s here, 10 s there) down: the 2 s limit of
  // the version probe still holds (it did not, when a given runner replaced the timeout).
  const given = Date.now()
  t.same(await readDockerdVersion(join(dir, 'dockerd-hangs'), 300, execFileRunner(60_000)), { version: null, problem: 'timed out after 0.3 s' }, 'timed out with a given runner')
  t.ok(Date.now() - given < 5000, `a given runner keeps the probe's limit (${Date.now() - given} ms)`)
})

/** True while process `pid` exists. */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch { return false }
}

t.test('a dockerd wrapper that forks and never answers: on timeout its children go too, and the reason says so', async (t) => {
  // A shell wrapper in front of dockerd whose child (sleep) holds the output pipe and never ends.
  const dir = t.testdir({ 'dockerd-wrapper': '' })
  const wrapper = join(dir, 'dockerd-wrapper')
  const pidFile = join(dir, 'sleep.pid')
  writeFileSync(wrapper, `#!/bin/sh\nsleep 100 &\necho $! > ${pidFile}\nwait\n`)
  chmodSync(wrapper, 0o755)
  const t0 = Date.now()
  const r = await readDockerdVersion(wrapper, 300)
  t.ok(Date.now() - t0 < 5000, `bounded (${Date.now() - t0} ms)`)
  t.same(r, { version: null, problem: 'timed out after 0.3 s' })
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0
  // Whatever a failing run leaves behind (the test dir is gone by teardown: the pid is read here).
  t.teardown(() => { if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL') })
  t.ok(pid > 0, `the wrapper started sleep (pid ${pid})`)
  // SIGKILL to the group is delivered at once; give the kernel a moment to reap it (init does).
  for (let i = 0; i < 50 && alive(pid) && !/^Z/m.test(stateOf(pid)); i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.ok(!alive(pid) || /^Z/m.test(stateOf(pid)), `the wrapper's sleep is gone (${stateOf(pid) || 'no such process'})`)

  // The log line of the read phase names the timeout.
  const run: Runner = async () => ({ stdout: '', stderr: 'timed out after 2000 ms', exitCode: EXIT_TIMED_OUT, timedOutAfterMs: 2000 })
  const state = await readMachineState({ argv: [], run, withVersion: true, sysClassNet: join(dir, 'none'), procNet: join(dir, 'none'), proc: join(dir, 'none'), env: {} })
  t.ok(state.read_errors!.includes('dockerd_version: no version from `dockerd --version`: timed out after 2 s; dockerd version unknown'), 'the read error names the timeout', { read_errors: state.read_errors })
  t.equal(state.dockerd_version, null)
})

/** The State: line of /proc/PID/status ("Z (zombie)"), or '' when there is no such process. */
function stateOf(pid: number): string {
  try { return /^State:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '' } catch { return '' }
}

t.test('readDockerdVersion with an injected runner', async (t) => {
  const run = replayRunner({ 'dockerd --version': ok('Docker version 20.10.24+dfsg1, build 5d6db84\n') })
  t.same(await readDockerdVersion('dockerd', 2000, run), { version: '20.10.24', problem: null })
  t.same(run.calls, ['dockerd --version'])
})

t.test('the probe runs with the environment it is given (the start hands on its own: handover.ts), a real program seeing it', async (t) => {
  const dir = t.testdir({})
  const stub = join(dir, 'dockerd')
  writeFileSync(stub, '#!/bin/sh\necho "Docker version ${PROBE_MAJOR:-1}.0.0, build x"\n')
  chmodSync(stub, 0o755)
  t.same(await readDockerdVersion(stub, 2000, execFileRunner(), { PATH: '/usr/bin:/bin', PROBE_MAJOR: '26' }), { version: '26.0.0', problem: null })
  const st = await readMachineState({ argv: [], run: execFileRunner(), dockerdCommand: stub, versionEnv: { PATH: '/usr/bin:/bin', PROBE_MAJOR: '28' }, sysClassNet: dir, procNet: dir, proc: dir })
  t.equal(st.dockerd_version, '28.0.0')
})
