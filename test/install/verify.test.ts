/**
 * install's own check (src/install/verify.ts checkShim): a `--version` run that hangs is cut off
 * with its whole process group, so no grandchild of a shell dockerd outlives the check, and the
 * problem says it timed out. Runs only shell stubs in a temporary tree; no dockerd starts.
 */
import t from 'tap'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkShim } from '../../src/install/verify.js'

/** Running, not merely a zombie waiting for a reaper (a container's PID 1 may never reap). */
const alive = (pid: number) => {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) } catch { return false }
}

t.test('a real dockerd whose --version hangs: cut off with its grandchild, the problem says it timed out', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'autonet-verify-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const pidFile = join(root, 'grandchild.pid')
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true })
  writeFileSync(join(root, 'usr/local/bin/dockerd'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
  const real = '/usr/bin/dockerd.real'
  mkdirSync(join(root, 'usr/bin'), { recursive: true })
  // A shell dockerd that starts a long-running helper and waits for it: execFile's timeout would kill the shell only.
  writeFileSync(join(root, real), `#!/bin/sh\nsleep 300 &\necho $! > ${pidFile}\nwait\n`)
  chmodSync(join(root, real), 0o755)
  const r = await checkShim(root, '/usr/local/bin/dockerd', real, process.env, { timeoutMs: 500 })
  t.match(r, { problem: `the real dockerd ${real} --version failed (timed out after 500 ms)` })
  const pid = Number(readFileSync(pidFile, 'utf8'))
  t.ok(pid > 1, `grandchild pid ${pid}`)
  // SIGKILL of the group is immediate; allow the kernel a moment to reap, bounded.
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20))
  const left = alive(pid)
  if (left) process.kill(pid, 'SIGKILL')
  t.equal(left, false, 'the grandchild sleep went with the group')
})

t.test('a real dockerd that cannot run: the problem names it and its exit status', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'autonet-verify-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true })
  writeFileSync(join(root, 'usr/local/bin/dockerd'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
  const r = await checkShim(root, '/usr/local/bin/dockerd', '/usr/bin/missing-dockerd', process.env, { timeoutMs: 5000 })
  t.match(r, { problem: /^the real dockerd \/usr\/bin\/missing-dockerd --version failed \(exit 127\)/ })
})
