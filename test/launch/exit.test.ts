/**
 * The launchers exit only once stdout and stderr are flushed (src/launch/exit.ts): through a
 * pipe, `process.exit()` right after a large write lost all but the first 64 KiB.
 */
import t from 'tap'
import { execa } from 'execa'
import { fileURLToPath } from 'node:url'
import { exitWhenFlushed, flushed, type Flushable } from '../../src/launch/exit.js'
import { bigDaemonJson, throughSlowPipe } from '../helpers/slow-pipe.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = `${ROOT}/bin/dockerd-autonet.js`
const NO_CHANGES = {
  DOCKERD_AUTONET_NO_CLAMP_MSS: '1', DOCKERD_AUTONET_NO_CONNTRACK: '1', DOCKERD_AUTONET_NO_BRIDGE_MAC: '1', DOCKERD_AUTONET_EXEC: '/bin/false',
}

t.before(async () => {
  await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT })
})

/** A stream whose writes complete only when `finish()` is called, as a pipe nobody reads yet. */
function heldStream(): Flushable & { finish(): void, writes: string[] } {
  const pending: (() => void)[] = []
  const writes: string[] = []
  return {
    writes,
    write(chunk, cb) { writes.push(chunk); pending.push(() => cb()); return false },
    once() { return undefined },
    finish() { for (const cb of pending.splice(0)) cb() },
  }
}

t.test('exitWhenFlushed: sets exitCode at once, exits only after every stream\'s writes completed', async (t) => {
  const saved = process.exitCode
  t.teardown(() => { process.exitCode = saved })
  const out = heldStream()
  const err = heldStream()
  const exits: number[] = []
  void exitWhenFlushed(3, [out, err], (c) => { exits.push(c); return undefined as never })
  await new Promise((r) => setTimeout(r, 20))
  t.equal(process.exitCode, 3)
  t.same(exits, [], 'not while stdout and stderr hold data')
  out.finish()
  await new Promise((r) => setTimeout(r, 20))
  t.same(exits, [], 'not while stderr still does')
  err.finish()
  await new Promise((r) => setTimeout(r, 20))
  t.same(exits, [3])
  process.exitCode = saved
})

t.test('flushed: a stream that throws on write, or fails with EPIPE, counts as flushed', async (t) => {
  await flushed({ write() { throw new Error('destroyed') }, once() { return undefined } })
  let onError: ((e: Error) => void) | undefined
  const p = flushed({ write() { return false }, once(_e, l) { onError = l; return undefined } })
  onError!(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
  await p
  t.pass('both resolved')
})

t.test('bin: snapshot of 300 KB into a pipe read after 1 s comes out whole (was cut at 64 KiB)', async (t) => {
  const dir = t.testdir({})
  const config = bigDaemonJson(dir)
  const r = await throughSlowPipe(['node', BIN, 'snapshot', '--', `--config-file=${config.path}`], { ...NO_CHANGES, PATH: process.env.PATH ?? '' })
  t.equal(r.exitCode, 0, r.stderr)
  t.ok(r.stdout.length > 200_000, `${r.stdout.length} bytes, well past 64 KiB`)
  const state = JSON.parse(r.stdout.toString()) as { daemon_json: { labels: string[] } }
  t.same(state.daemon_json.labels, config.labels, 'all of daemon.json, back through the pipe')
  t.equal(r.stdout.at(-1), 0x0a, 'the final newline too')
})

t.test('bin: a reader that goes away (| head -c 10) is no crash with a stack', async (t) => {
  const dir = t.testdir({})
  const config = bigDaemonJson(dir)
  const r = await execa('sh', ['-c', '"$@" | head -c 10 > /dev/null', 'sh', 'node', BIN, 'snapshot', '--', `--config-file=${config.path}`],
    { env: { ...NO_CHANGES, PATH: process.env.PATH ?? '' }, reject: false, stdin: 'ignore', timeout: 60_000 })
  t.notMatch(r.stderr, /EPIPE|Unhandled/, r.stderr)
})
