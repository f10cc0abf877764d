import t from 'tap'
import { jsonErrorOffset, lineColumn, readStateFile } from '../../src/cli/state-file.js'

t.test('jsonErrorOffset finds where JSON.parse gives up', async (t) => {
  const rows: [string, number][] = [
    ['{"a": 1,}', 8],
    ['{"a": x}', 6],
    ['{"a": 1', 7],
    ['{"a"  1}', 6],
    ['[1,2', 4],
    ['', 0],
    ['{"a":"b"} x', 10],
    ['{"a":"\\q"}', 7],
    ['{"a":"\\u12G4"}', 7],
    ['{"a": tru}', 6],
    ['{"a": 01}', 7],
    ['{"a": "line\nbreak"}', 11],
  ]
  for (const [text, at] of rows) {
    t.throws(() => JSON.parse(text), JSON.stringify(text))
    t.equal(jsonErrorOffset(text), at, JSON.stringify(text))
  }
  const valid = '{"a": [1, {"b": null}, "c\\"d", true, false], "e": -1.5e3}  '
  t.doesNotThrow(() => JSON.parse(valid))
  t.equal(jsonErrorOffset(valid), valid.length, 'valid JSON: no error before the end')
})

t.test('lineColumn is 1-based', async (t) => {
  t.same(lineColumn('ab\ncd', 0), { line: 1, column: 1 })
  t.same(lineColumn('ab\ncd', 4), { line: 2, column: 2 })
})

t.test('readStateFile accepts a snapshot or a case file', async (t) => {
  const snapshot = { links: [], routes4: [], routes6: [], daemon_json: null, argv: ['-D'] }
  const dir = t.testdir({
    'snap.json': JSON.stringify(snapshot),
    'case.json': JSON.stringify({ source: 'x', fixture: snapshot, expected: {} }),
  })
  t.same(await readStateFile(`${dir}/snap.json`), snapshot)
  t.same(await readStateFile(`${dir}/case.json`), snapshot)
})
