import t from 'tap'
import { readStateFile } from '../../src/cli/state-file.js'

t.test('readStateFile accepts a snapshot or a case file', async (t) => {
  const snapshot = { links: [], routes4: [], routes6: [], daemon_json: null, argv: ['-D'] }
  const dir = t.testdir({
    'snap.json': JSON.stringify(snapshot),
    'case.json': JSON.stringify({ source: 'x', fixture: snapshot, expected: {} }),
  })
  t.same(await readStateFile(`${dir}/snap.json`), snapshot)
  t.same(await readStateFile(`${dir}/case.json`), snapshot)
})

t.test('readStateFile: past the cap or a directory is a usage error naming the file (exit 2), never read whole', async (t) => {
  const { truncateSync, writeFileSync } = await import('node:fs')
  const { MAX_STATE_FILE_BYTES } = await import('../../src/bounded-read.js')
  const dir = t.testdir({ 'dir.json': {} })
  const path = `${dir}/big.json`
  writeFileSync(path, '')
  truncateSync(path, 2 * 1024 ** 3)
  await t.rejects(readStateFile(path), { exitCode: 2, message: `state file ${path} is too large: 2147483648 bytes, more than the ${MAX_STATE_FILE_BYTES}-byte (128 MiB) cap; not read` })
  await t.rejects(readStateFile('/dev/zero'), { exitCode: 2, message: /^state file \/dev\/zero is too large: more than the 134217728-byte \(128 MiB\) cap; not read$/ }, 'a stream is read only up to the cap')
  await t.rejects(readStateFile(`${dir}/dir.json`), { exitCode: 2, message: `cannot read state file ${dir}/dir.json: a directory, not a regular file` })
})

t.test('readStateFile reads a snapshot past daemon.json\'s 16 MiB cap: the bench\'s 100k links, routes and rules are 25 MB', async (t) => {
  const { writeFileSync } = await import('node:fs')
  const { MAX_JSON_FILE_BYTES } = await import('../../src/bounded-read.js')
  const snapshot = { links: [], routes4: [], routes6: [], daemon_json: null, argv: ['-D'] }
  const dir = t.testdir({})
  const path = `${dir}/large.json`
  // Blanks after the value are JSON too: a file of that size without 25 MB of fixture to build.
  writeFileSync(path, JSON.stringify(snapshot) + ' '.repeat(MAX_JSON_FILE_BYTES + 9 * 1024 * 1024))
  t.same(await readStateFile(path), snapshot)
})
