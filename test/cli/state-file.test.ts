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
