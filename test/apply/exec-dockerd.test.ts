import t from 'tap'
import { execFileSync } from 'node:child_process'
import { chmodSync, linkSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { memoryLogger } from '../../src/log.js'
import { execDockerd, FORWARDED_SIGNALS, resolveCommand, type Execve } from '../../src/apply/exec-dockerd.js'
import { makeStub } from '../helpers/stub-dockerd.js'

// execve: null forces the spawn path: on Node >= 22.15 the default would replace the test runner.
const spawnOnly = { execve: null }

t.test('spawn path: argv kept in order, the stub\'s exit code comes back', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const log = memoryLogger()
  const args = ['-H', 'fd://', '--mtu', '1400', '--', 'a b', '--mtu=1450']
  const code = await execDockerd(stub.path, args, { env: { ...process.env, STUB_EXIT: '3' }, log, ...spawnOnly })
  t.equal(code, 3)
  t.same(stub.argv(), args)
})

t.test('a bare name is looked up on the PATH of the env given to dockerd', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const code = await execDockerd('dockerd', ['--debug'], { env: { ...process.env, PATH: `/nonexistent:${stub.dir}` }, log: memoryLogger(), ...spawnOnly })
  t.equal(code, 0)
  t.same(stub.argv(), ['--debug'])
})

t.test('killed by SIGKILL: 128 + 9', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const running = execDockerd(stub.path, [], { env: { ...process.env, STUB_WAIT: '1' }, log: memoryLogger(), ...spawnOnly })
  process.kill(await stub.waitReady(), 'SIGKILL')
  t.equal(await running, 137)
})

t.test('signals we receive are forwarded, and our handlers are gone afterwards', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const before = FORWARDED_SIGNALS.map((s) => process.listenerCount(s))
  const running = execDockerd(stub.path, [], { env: { ...process.env, STUB_WAIT: '1', STUB_EXIT: '5' }, log: memoryLogger(), ...spawnOnly })
  await stub.waitReady()
  // emit, not kill: a real signal to the test runner would be fatal if forwarding were broken.
  process.emit('SIGHUP', 'SIGHUP')
  await stub.waitSignal('SIGHUP')
  process.emit('SIGUSR2', 'SIGUSR2')
  await stub.waitSignal('SIGUSR2')
  process.emit('SIGTERM', 'SIGTERM')
  t.equal(await running, 5)
  t.same(stub.signals(), ['SIGHUP', 'SIGUSR2', 'SIGTERM'])
  t.same(FORWARDED_SIGNALS.map((s) => process.listenerCount(s)), before)
})

t.test('command not found: 127 and a message naming it', async (t) => {
  const log = memoryLogger()
  const code = await execDockerd('no-such-dockerd', [], { env: { PATH: '/nonexistent' }, log, ...spawnOnly })
  t.equal(code, 127)
  t.match(log.lines.join('\n'), /error: no-such-dockerd: command not found/)
})

t.test('a path that is not executable: 126', async (t) => {
  const dir = t.testdir({ dockerd: '#!/bin/sh\n' })
  const log = memoryLogger()
  t.equal(await execDockerd(join(dir, 'dockerd'), [], { env: {}, log, ...spawnOnly }), 126)
  t.match(log.lines.join('\n'), /dockerd: permission denied/)
})

t.test('execve path: the resolved program, argv[0] as given, then the args, and the env', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const calls: Parameters<Execve>[] = []
  const execve: Execve = (...a) => { calls.push(a) }
  // A fake execve returns, so execDockerd falls through to spawning: the spawn proves nothing
  // here; what matters is the call it made first.
  await execDockerd('dockerd', ['--debug'], { env: { PATH: stub.dir, A: '1', B: undefined }, log: memoryLogger(), execve })
  t.same(calls, [[join(stub.dir, 'dockerd'), ['dockerd', '--debug'], { PATH: stub.dir, A: '1' }]])
})

t.test('execve failing: 127 for ENOENT, 126 otherwise, logged with the command', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  for (const [errno, want] of [['ENOENT', 127], ['EACCES', 126]] as const) {
    const log = memoryLogger()
    const execve: Execve = () => { throw Object.assign(new Error(`${errno}: execve failed`), { code: errno }) }
    t.equal(await execDockerd(stub.path, [], { env: {}, log, execve }), want, errno)
    t.match(log.lines.join('\n'), new RegExp(`cannot exec ${stub.path}`))
  }
})

t.test('resolveCommand', async (t) => {
  const dir = t.testdir({ bin: { tool: '#!/bin/sh\n', sub: {} }, other: { tool: '#!/bin/sh\n' } })
  chmodSync(join(dir, 'other', 'tool'), 0o755)
  t.same(resolveCommand('tool', `${dir}/bin:${dir}/other`), { path: join(dir, 'other', 'tool') }, 'skips a non-executable match')
  t.match(resolveCommand('tool', `${dir}/bin`), { code: 126 }, 'only a non-executable match')
  t.match(resolveCommand('sub', `${dir}/bin`), { code: 126 }, 'a directory is not a program')
  t.match(resolveCommand('nope', `${dir}/bin`), { code: 127, message: /nope: command not found/ })
  t.match(resolveCommand(`${dir}/nope`, undefined), { code: 127, message: /no such file/ })
  t.match(resolveCommand('', undefined), { code: 127 })
  t.match(resolveCommand('sh', undefined), { path: /^\/(usr\/)?s?bin\/sh$/ }, 'default PATH when unset')
})

t.test('spawn path under systemd (NOTIFY_SOCKET / LISTEN_FDS): a warning says what will not work', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const log = memoryLogger()
  t.equal(await execDockerd(stub.path, ['-H', 'fd://'], { env: { ...process.env, LISTEN_FDS: '1', LISTEN_PID: '1', NOTIFY_SOCKET: '/run/systemd/notify' }, log, ...spawnOnly }), 0)
  t.match(log.lines.join('\n'), /warn: started by systemd \(NOTIFY_SOCKET, LISTEN_FDS\) on Node v\d+.* Type=notify and -H fd:\/\/ socket activation will not reach it; use Node >= 22\.15/)
  const quiet = memoryLogger()
  const env = { ...process.env }
  delete env.NOTIFY_SOCKET
  delete env.LISTEN_FDS
  await execDockerd(stub.path, [], { env, log: quiet, ...spawnOnly })
  t.notMatch(quiet.lines.join('\n'), /systemd/, 'no warning outside systemd')
})

t.test('resolveCommand passes over dockerd-autonet itself on PATH (a symlink or a hard link named dockerd)', async (t) => {
  const dir = t.testdir({ ours: {}, linked: {}, real: { dockerd: '#!/bin/sh\n# the real one\n' }, self: { 'dockerd-autonet.mjs': '#!/usr/bin/env node\n' } })
  const self = join(dir, 'self', 'dockerd-autonet.mjs')
  chmodSync(self, 0o755)
  chmodSync(join(dir, 'real', 'dockerd'), 0o755)
  symlinkSync(self, join(dir, 'ours', 'dockerd'))
  linkSync(self, join(dir, 'linked', 'dockerd'))
  const path = `${dir}/ours:${dir}/linked:${dir}/real`
  t.same(resolveCommand('dockerd', path, self), { path: join(dir, 'real', 'dockerd') }, 'the next dockerd, not ourselves again')
  t.same(resolveCommand('dockerd', path, null), { path: join(dir, 'ours', 'dockerd') }, 'without a self, the first one (as before)')
  t.match(resolveCommand('dockerd', `${dir}/ours:${dir}/linked`, self),
    { code: 127, message: new RegExp(`dockerd: command not found .*; passed over dockerd-autonet's own ${dir}/ours/dockerd, ${dir}/linked/dockerd$`) })
  t.same(resolveCommand(join(dir, 'ours', 'dockerd'), path, self), { path: join(dir, 'ours', 'dockerd') }, 'a path given is used as given')
})

t.test('resolveCommand: one of our shims on PATH stands for the dockerd it runs (moved= when there, else real=)', async (t) => {
  const template = readFileSync(new URL('../../image/dockerd-shim.sh', import.meta.url), 'utf8')
  const dir = t.testdir({ sbin: {}, bin: { dockerd: '#!/bin/sh\n# real\n' }, libexec: {}, self: { 'dockerd-autonet.mjs': '' } })
  const self = join(dir, 'self', 'dockerd-autonet.mjs')
  chmodSync(join(dir, 'bin', 'dockerd'), 0o755)
  const shim = (real: string, moved: string) => template.replace(/^real=\S+$/m, `real=${real}`).replace(/^moved=\S+$/m, `moved=${moved}`)
  // Path mode (our docker:dind image): the shim first in PATH, the binary where it was.
  writeFileSync(join(dir, 'sbin', 'dockerd'), shim(join(dir, 'bin', 'dockerd'), join(dir, 'libexec', 'dockerd')), { mode: 0o755 })
  t.same(resolveCommand('dockerd', `${dir}/sbin:${dir}/bin`, self), { path: join(dir, 'bin', 'dockerd') })
  // Replace mode: the binary moved out of PATH, the shim at its place.
  writeFileSync(join(dir, 'libexec', 'dockerd'), '#!/bin/sh\n# moved real\n', { mode: 0o755 })
  t.same(resolveCommand('dockerd', `${dir}/sbin`, self), { path: join(dir, 'libexec', 'dockerd') })
  // A shim naming itself (a hand-made install) runs nothing: passed over.
  writeFileSync(join(dir, 'sbin', 'dockerd'), shim(join(dir, 'sbin', 'dockerd'), join(dir, 'nowhere')), { mode: 0o755 })
  t.same(resolveCommand('dockerd', `${dir}/sbin:${dir}/bin`, self), { path: join(dir, 'bin', 'dockerd') })
  t.match(resolveCommand('dockerd', `${dir}/sbin`, self), { code: 127, message: /passed over dockerd-autonet's own .*\/sbin\/dockerd$/ })
})

t.test('raw bytes back (raw-argv.ts): through /bin/sh -c, on the spawn path and the execve path', async (t) => {
  // A dockerd that records its argv NUL-terminated, bytes and all.
  const dir = t.testdir({ dockerd: '#!/bin/sh\nprintf \'%s\\0\' "$0" "$@" > "$RECORD"\n' })
  const dockerd = join(dir, 'dockerd')
  chmodSync(dockerd, 0o755)
  const record = join(dir, 'record')
  const ff = Uint8Array.from([0x2d, 0x2d, 0x6c, 0x3d, 0xff, 0x0a])
  const raw = [{ text: Buffer.from(ff).toString('utf8'), bytes: ff }]
  const args = ['--debug', raw[0].text, '--mtu=1400']
  const want = Buffer.concat([Buffer.from(`${dockerd}\0--debug\0`), ff, Buffer.from('\0--mtu=1400\0')]).toString('hex')
  const log = memoryLogger()
  t.equal(await execDockerd(dockerd, args, { env: { PATH: '/usr/bin:/bin', RECORD: record }, log, raw, ...spawnOnly }), 0)
  t.equal(readFileSync(record).toString('hex'), want, 'spawn: the exact bytes, in their place')
  t.match(log.lines.join('\n'), /through \/bin\/sh, which puts back the bytes of 1 argument/)
  const calls: Parameters<Execve>[] = []
  const execve: Execve = (...a) => { calls.push(a) }
  await execDockerd(dockerd, args, { env: { RECORD: record }, log: memoryLogger(), raw, execve })
  const [file, argv, env] = calls[0]
  t.same([file, argv[0], argv[1], argv[3]], ['/bin/sh', 'sh', '-c', dockerd], 'execve: sh -c SCRIPT DOCKERD …')
  rmSync(record)
  execFileSync(file, argv.slice(1), { env })
  t.equal(readFileSync(record).toString('hex'), want, 'execve: the call made puts the same bytes back')
  // No argument matches (ours took it out): dockerd itself, as always.
  calls.length = 0
  await execDockerd(dockerd, ['--debug'], { env: {}, log: memoryLogger(), raw, execve })
  t.same(calls[0].slice(0, 2), [dockerd, [dockerd, '--debug']])
  // No shell: the strings as Node has them, with a warning; dockerd still starts.
  calls.length = 0
  const warned = memoryLogger()
  await execDockerd(dockerd, args, { env: {}, log: warned, raw, execve, shell: join(dir, 'no-sh') })
  t.same(calls[0].slice(0, 2), [dockerd, [dockerd, ...args]])
  t.match(warned.lines.join('\n'), /cannot put back the bytes of 1 argument\(s\) that are not UTF-8 .*no-sh: no such file/)
  // The shell's exec would not fit the kernel's room: the strings as Node has them, one warning.
  calls.length = 0
  const tight = memoryLogger()
  await execDockerd(dockerd, args, { env: {}, log: tight, raw, execve, room: 300 })
  t.same(calls[0].slice(0, 2), [dockerd, [dockerd, ...args]])
  t.equal(tight.lines.filter((l) => /cannot put back/.test(l)).length, 1)
  t.match(tight.lines.join('\n'), /cannot put back the bytes of 1 argument\(s\) that are not UTF-8 through \/bin\/sh: the arguments and environment would be \d+ bytes, past the kernel's 300 for one exec .*; \S+dockerd gets them as Node decoded them/)
})

t.test('raw bytes back: 33,000 bytes not UTF-8 in one argument, 20,000 in each of two (one sh string each was past MAX_ARG_STRLEN: E2BIG)', async (t) => {
  const dir = t.testdir({ dockerd: '#!/bin/sh\nprintf \'%s\\0\' "$0" "$@" > "$RECORD"\n' })
  const dockerd = join(dir, 'dockerd')
  chmodSync(dockerd, 0o755)
  const record = join(dir, 'record')
  const ff = (n: number) => Buffer.concat([Buffer.from('--label=a='), Buffer.alloc(n, 0xff)])
  for (const words of [['--debug', ff(33_000)], [ff(20_000), '--data-root', ff(20_000)]]) {
    const raw = words.filter((w) => typeof w !== 'string').map((w) => ({ text: w.toString('utf8'), bytes: Uint8Array.from(w) }))
    const args = words.map((w) => typeof w === 'string' ? w : w.toString('utf8'))
    const log = memoryLogger()
    t.equal(await execDockerd(dockerd, args, { env: { PATH: '/usr/bin:/bin', RECORD: record }, log, raw, ...spawnOnly }), 0, { log: log.lines })
    t.equal(readFileSync(record).toString('hex'), Buffer.concat([dockerd, ...words].map((w) => Buffer.concat([Buffer.from(w), Buffer.from([0])]))).toString('hex'), `${raw.length} argument(s): the exact bytes`)
  }
})

t.test('a spawn that throws (E2BIG: Node throws for it, it emits no error event) is logged and exits 126, never thrown', async (t) => {
  const stub = makeStub()
  t.teardown(stub.remove)
  const throwing = (() => { throw Object.assign(new Error('spawn E2BIG'), { code: 'E2BIG', errno: -7, syscall: 'spawn' }) }) as unknown as typeof import('node:child_process').spawn
  const log = memoryLogger()
  t.equal(await execDockerd(stub.path, ['--debug'], { env: { ...process.env }, log, spawn: throwing, ...spawnOnly }), 126)
  t.match(log.lines.join('\n'), new RegExp(`cannot start ${stub.path} \\(${stub.path}\\): E2BIG: spawn E2BIG`))
  // The real thing: one argument past MAX_ARG_STRLEN, as Node 20 throws it.
  const real = memoryLogger()
  t.equal(await execDockerd(stub.path, ['--label=' + 'a'.repeat(140_000)], { env: { ...process.env }, log: real, ...spawnOnly }), 126)
  t.match(real.lines.join('\n'), /cannot start .*: E2BIG/)
  t.equal(stub.argv(), null, 'nothing started')
})

t.test('resolveCommand: an executable whose interpreter is missing cannot be run (trial 7: a CRLF #! line, a glibc binary on musl: the clamp was applied, then spawn ENOENT)', async (t) => {
  const elf = readFileSync(process.execPath)
  const loader = /\/lib(64)?\/ld-[^\0]+/.exec(elf.subarray(0, 4096).toString('latin1'))?.[0]
  const patched = Buffer.from(elf.subarray(0, 4096))
  if (loader) patched.write(`${loader.slice(0, -1)}~`, elf.indexOf(loader), 'latin1')
  const dir = t.testdir({ crlf: '#!/bin/sh\r\necho\r\n', bad: '#! /nonexistent/interp -x\n', ok: '#!/bin/sh\necho\n', env: '#!/usr/bin/env sh\n', plain: 'echo no magic\n' })
  writeFileSync(join(dir, 'elf'), patched)
  for (const f of ['crlf', 'bad', 'ok', 'env', 'plain', 'elf']) chmodSync(join(dir, f), 0o755)
  t.same(resolveCommand(join(dir, 'crlf'), undefined), { code: 126, message: `${join(dir, 'crlf')}: bad interpreter "/bin/sh\\r" in its #! line: no such file (a #! line ending in \\r: CRLF line endings?)` })
  t.same(resolveCommand('bad', dir), { code: 126, message: `${join(dir, 'bad')}: bad interpreter "/nonexistent/interp" in its #! line: no such file` }, 'found on PATH, spaces after #! skipped')
  t.same(resolveCommand('ok', dir), { path: join(dir, 'ok') })
  t.same(resolveCommand('env', dir), { path: join(dir, 'env') })
  t.same(resolveCommand('plain', dir), { path: join(dir, 'plain') }, 'no #! and no ELF: not judged')
  t.same(resolveCommand(process.execPath, undefined), { path: process.execPath }, 'this node: its loader is there')
  if (loader) t.same(resolveCommand(join(dir, 'elf'), undefined), { code: 127, message: `${join(dir, 'elf')}: its ELF program interpreter ${loader.slice(0, -1)}~ does not exist (a binary built for another C library or system?)` })
  else t.pass('this node is static: no loader to patch')
  // Trial 8: an ELF for another CPU (ENOEXEC, then /bin/sh read it as a script: exit 2 after the clamp).
  const other = Buffer.from(elf.subarray(0, 4096))
  const foreign = process.arch === 'arm64' ? 62 : 183
  other.writeUInt16LE(foreign, 18)
  writeFileSync(join(dir, 'foreign'), other)
  chmodSync(join(dir, 'foreign'), 0o755)
  t.same(resolveCommand(join(dir, 'foreign'), undefined), { code: 126, message: `${join(dir, 'foreign')}: an ELF for another CPU (e_machine ${foreign}, this machine is ${process.arch}): exec format error` })
  // Trial 8: a #! interpreter that is itself a script with a bad #! line, followed as the kernel does.
  writeFileSync(join(dir, 'nested'), `#!${join(dir, 'crlf')}\n`)
  chmodSync(join(dir, 'nested'), 0o755)
  t.same(resolveCommand(join(dir, 'nested'), undefined), { code: 126, message: `${join(dir, 'nested')}: its #! interpreter cannot be run: ${join(dir, 'crlf')}: bad interpreter "/bin/sh\\r" in its #! line: no such file (a #! line ending in \\r: CRLF line endings?)` })
  writeFileSync(join(dir, 'loop'), `#!${join(dir, 'loop')}\n`)
  chmodSync(join(dir, 'loop'), 0o755)
  t.same(resolveCommand(join(dir, 'loop'), undefined), { path: join(dir, 'loop') }, 'a #! loop: followed 4 levels, then left to the exec (ELOOP)')
})
