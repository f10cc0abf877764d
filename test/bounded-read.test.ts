import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { BoundedReadError, readBounded } from '../src/bounded-read.js'

t.test('readBounded: a FIFO no one writes to is given up at the stream deadline, not waited on forever', async (t) => {
  const dir = t.testdir({})
  const fifo = `${dir}/state.fifo`
  execFileSync('mkfifo', [fifo])
  const t0 = Date.now()
  const err = await readBounded(fifo, { streams: true, streamDeadlineMs: 200 }).catch((e: unknown) => e)
  t.ok(err instanceof BoundedReadError, 'a BoundedReadError')
  t.equal((err as BoundedReadError).reason, 'timed-out')
  t.equal((err as Error).message, 'no end of data within 0.2 s (a FIFO with no writer?)')
  t.ok(Date.now() - t0 < 5000, 'given up near the deadline')
})

t.test('readBounded: after giving up on a FIFO with no writer the process still exits by itself (no open(2) left blocked in a thread)', async (t) => {
  const dir = t.testdir({})
  const fifo = `${dir}/state.fifo`
  execFileSync('mkfifo', [fifo])
  const module = new URL('../dist/bounded-read.js', import.meta.url).href
  const script = `import { readBounded } from ${JSON.stringify(module)}
try { await readBounded(${JSON.stringify(fifo)}, { streams: true, streamDeadlineMs: 200 }) } catch (e) { console.log(e.reason) }`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' })
  t.equal(r.signal, null, 'not killed at the 10 s limit: it ended on its own')
  t.equal(r.stdout.trim(), 'timed-out')
})

t.test('readBounded: a FIFO whose writer comes only later is still read', async (t) => {
  const dir = t.testdir({})
  const fifo = `${dir}/late.fifo`
  execFileSync('mkfifo', [fifo])
  const reading = readBounded(fifo, { streams: true, streamDeadlineMs: 5000 })
  await new Promise((resolve) => setTimeout(resolve, 300))
  writeFileSync(fifo, '{"late": true}')
  t.equal((await reading).toString(), '{"late": true}')
})

t.test('readBounded: a stream that ends within the deadline is read whole', async (t) => {
  const dir = t.testdir({})
  const fifo = `${dir}/state.fifo`
  execFileSync('mkfifo', [fifo])
  const reading = readBounded(fifo, { streams: true, streamDeadlineMs: 5000 })
  setTimeout(() => writeFileSync(fifo, '{"links": []}'), 50)
  t.equal((await reading).toString(), '{"links": []}')
})
