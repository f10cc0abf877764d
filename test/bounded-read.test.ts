import t from 'tap'
import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync, writeFileSync } from 'node:fs'
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
  // The open(2) blocked in the thread pool ends once a writer comes and goes (and the test exits).
  closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK))
})

t.test('readBounded: a stream that ends within the deadline is read whole', async (t) => {
  const dir = t.testdir({})
  const fifo = `${dir}/state.fifo`
  execFileSync('mkfifo', [fifo])
  const reading = readBounded(fifo, { streams: true, streamDeadlineMs: 5000 })
  setTimeout(() => writeFileSync(fifo, '{"links": []}'), 50)
  t.equal((await reading).toString(), '{"links": []}')
})
