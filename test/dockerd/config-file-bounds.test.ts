import t from 'tap'
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readDaemonConfig } from '../../src/dockerd/config-file.js'
import { MAX_JSON_FILE_BYTES } from '../../src/bounded-read.js'

/** `p`, or 'timed out' after `ms` (a reader that blocks must not hang the test). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'timed out'>((resolve) => { timer = setTimeout(() => resolve('timed out'), ms) })
  try { return await Promise.race([p, late]) } finally { clearTimeout(timer) }
}

t.test('daemon.json past the cap: refused with its size and the cap, never read into memory', async (t) => {
  const dir = t.testdir({})
  const path = join(dir, 'daemon.json')
  // Sparse: 2 GiB on paper, no disk used. Read whole, it would take the memory of a small sidecar.
  writeFileSync(path, '')
  truncateSync(path, 2 * 1024 ** 3)
  const before = process.memoryUsage().rss
  const r = await within(readDaemonConfig(path), 5000)
  t.not(r, 'timed out')
  if (r === 'timed out') return
  t.equal(r.config, null)
  t.equal(r.error, `daemon.json: ${path} is too large: 2147483648 bytes, more than the ${MAX_JSON_FILE_BYTES}-byte (16 MiB) cap; not read`)
  t.ok(process.memoryUsage().rss - before < 64 * 1024 ** 2, 'nothing near its size was allocated')
  // Just past the cap, just under it.
  truncateSync(path, MAX_JSON_FILE_BYTES + 1)
  t.match((await readDaemonConfig(path)).error, /is too large: 16777217 bytes, more than the 16777216-byte \(16 MiB\) cap/)
  writeFileSync(path, '{"mtu": 1400}' + ' '.repeat(MAX_JSON_FILE_BYTES - 13))
  t.same(await readDaemonConfig(path), { config: { mtu: 1400 }, path, error: null }, 'exactly the cap is read')
})

t.test('daemon.json that is no regular file: a bounded, clear error naming it, nothing blocks', async (t) => {
  const dir = t.testdir({ 'dir.json': {} })
  const fifo = join(dir, 'fifo.json')
  execFileSync('mkfifo', [fifo])
  const zero = join(dir, 'zero.json')
  symlinkSync('/dev/zero', zero)
  const cases: Array<[string, string]> = [
    [fifo, 'a FIFO'],
    [zero, 'a character device'],
    [join(dir, 'dir.json'), 'a directory'],
  ]
  try {
    for (const [path, kind] of cases) {
      const r = await within(readDaemonConfig(path, { explicit: true }), 3000)
      t.not(r, 'timed out', `${kind}: does not block`)
      if (r === 'timed out') continue
      t.equal(r.config, null, kind)
      t.equal(r.error, `daemon.json: cannot read ${path}: ${kind}, not a regular file; not read`, kind)
    }
  } finally {
    // Old code blocks in open(2) on the FIFO: a writer releases it so the test process can exit.
    const w = openSync(fifo, 'r+')
    closeSync(w)
  }
})
