/**
 * At the read deadline (READ_DEADLINE_MS) the commands the readers started and still wait on
 * (ip, conntrack, dockerd --version) are SIGKILLed and reaped before dockerd starts: nothing
 * started by the read phase outlives it (under execve it would run on beside dockerd).
 */
import t from 'tap'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readMachineState } from '../../src/read/machine-state.js'
import { runMain } from '../helpers/run-main.js'

/** True while process `pid` exists (a zombie counts: it has not been reaped). */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch { return false }
}

/** A stub that records its PID in `dir`/NAME.pids, one per line, then sleeps 30 s. */
function sleeper(dir: string, name: string): string {
  const path = join(dir, name)
  writeFileSync(path, `#!/bin/sh\necho $$ >> ${join(dir, `${name}.pids`)}\nexec sleep 30\n`)
  chmodSync(path, 0o755)
  return path
}

function pids(dir: string, name: string): number[] {
  const file = join(dir, `${name}.pids`)
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number) : []
}

/** Kill whatever a failing run left behind (bounded: SIGKILL, no wait). */
function cleanUp(t: { teardown(fn: () => void): void }, dir: string, names: string[]) {
  t.teardown(() => { for (const n of names) for (const pid of pids(dir, n)) if (alive(pid)) process.kill(pid, 'SIGKILL') })
}

t.test('the real readers with a hung ip and a hung dockerd --version: both killed at the deadline', async (t) => {
  const dir = t.testdir({})
  const ip = sleeper(dir, 'ip')
  const dockerd = sleeper(dir, 'dockerd')
  cleanUp(t, dir, ['ip', 'dockerd'])
  const t0 = Date.now()
  const r = await runMain(['--debug'], {
    readDeadlineMs: 500,
    // The read phase's own runner (withinDeadline's), with the sleeper in place of ip.
    readState: (o) => readMachineState({ ...o, run: (cmd, args, opts) => o.run!(cmd === 'ip' ? ip : cmd, args, opts), dockerdCommand: dockerd, withVersion: true, sysClassNet: join(dir, 'none'), procNet: join(dir, 'none'), proc: join(dir, 'none') }),
  })
  const took = Date.now() - t0
  t.same(r.execs, [['dockerd', '--debug']], 'dockerd starts with the user\'s arguments')
  t.match(r.lines.join('\n'), /detection failed: reading the machine took longer than 0.5 s/)
  t.ok(took < 3000, `bounded: ${took} ms`)
  const started = [...pids(dir, 'ip'), ...pids(dir, 'dockerd')]
  t.ok(pids(dir, 'ip').length >= 1 && pids(dir, 'dockerd').length === 1, `ip and dockerd --version were running: ${started.join(' ')}`)
  t.same(started.filter(alive), [], 'none of them is left when dockerd starts')
})

t.test('a command started after the deadline is not started at all', async (t) => {
  const dir = t.testdir({})
  const late = sleeper(dir, 'late')
  cleanUp(t, dir, ['late'])
  let lateResult: unknown = null
  const r = await runMain(['--debug'], {
    readDeadlineMs: 200,
    readState: async (o) => {
      await new Promise((resolve) => setTimeout(resolve, 400))
      lateResult = await o.run!(late, [])
      throw new Error('not reached in time')
    },
  })
  t.same(r.execs, [['dockerd', '--debug']])
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.same(pids(dir, 'late'), [], 'never ran')
  t.match(lateResult, { exitCode: 124 })
})

t.test('withinDeadline: a command left running when the work settles is killed with it', async (t) => {
  const { withinDeadline } = await import('../../src/tools/runner.js')
  const dir = t.testdir({})
  const stray = sleeper(dir, 'stray')
  cleanUp(t, dir, ['stray'])
  const value = await withinDeadline(async (run) => {
    void run(stray, [])
    await new Promise((resolve) => setTimeout(resolve, 300))
    return 42
  }, 5000, 'reading')
  t.equal(value, 42)
  t.equal(pids(dir, 'stray').length, 1, 'it was running')
  t.same(pids(dir, 'stray').filter(alive), [], 'and is gone once withinDeadline settles')
})
