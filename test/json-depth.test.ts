import t from 'tap'
import { firstTooDeep, MAX_JSON_DEPTH } from '../src/json-depth.js'

t.test('firstTooDeep: the bracket that goes one level too deep, brackets in strings ignored', async (t) => {
  t.equal(firstTooDeep('{"a":[1,{"b":2}]}', 3), null)
  t.same(firstTooDeep('{"a":[1,{"b":[2]}]}', 3), { line: 1, column: 14 })
  t.same(firstTooDeep('{\n  "a": [\n    [[1]]]}', 3), { line: 3, column: 6 })
  t.equal(firstTooDeep('{"a":"[[[[[[\\"[[[["}', 2), null, 'inside strings, escaped quotes too')
  t.equal(firstTooDeep('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), null, 'the limit itself is fine')
  t.same(firstTooDeep('['.repeat(MAX_JSON_DEPTH + 1)), { line: 1, column: MAX_JSON_DEPTH + 1 })
})
