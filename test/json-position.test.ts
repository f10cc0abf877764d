import t from 'tap'
import { findJsonSyntaxError, jsonErrorOffset, lineColumnAt, locateJsonError } from '../src/json-position.js'

t.test('findJsonSyntaxError finds where JSON.parse gives up', async (t) => {
  const rows: [string, number][] = [
    ['{"a": 1,}', 8],
    ['{"a": x}', 6],
    ['{"a": 1', 7],
    ['{"a"  1}', 6],
    ['[1,2', 4],
    ['', 0],
    ['{"a":"b"} x', 10],
    ['{"a":"\\q"}', 7],
    ['{"a":"\\u12G4"}', 10], // V8: "Bad Unicode escape in JSON at position 10", at the G
    ['{"a": tru}', 9], // V8: "Unexpected token '}'": where the literal stops matching
    ['{"a": 01}', 7],
    ['{"a": "line\nbreak"}', 11],
  ]
  for (const [text, at] of rows) {
    t.throws(() => JSON.parse(text), JSON.stringify(text))
    t.equal(findJsonSyntaxError(text), at, JSON.stringify(text))
  }
  const valid = '{"a": [1, {"b": null}, "c\\"d", true, false], "e": -1.5e3}  '
  t.doesNotThrow(() => JSON.parse(valid))
  t.equal(findJsonSyntaxError(valid), null, 'valid JSON: no error')
})

t.test('the scanner agrees with JSON.parse', async (t) => {
  const samples = [
    '{}', '[]', '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}', ' {"a" : {"b": []}} ',
    '{"a":1,}', '[1,2', '{"a" 1}', '{"a":01}', '{"a":-}', '{"a":"\t"}', '{"a":"\\x"}', '{"a":"\\u12"}', '{"a":"\\u12g4"}', '{"a":"\\u"}',
    '{"a":1} x', '', '{', 'nul', '{"a":.5}', '{"a":1.}', '{"a":1e}', '{"a":1e+5}', '[1,,2]', '{"a":"b"', '{a:1}', '\u00a0{}',
  ]
  for (const s of samples) {
    let valid = true
    let message = ''
    try { JSON.parse(s) } catch (e) { valid = false; message = (e as Error).message }
    const found = findJsonSyntaxError(s)
    t.equal(found === null, valid, `validity of ${JSON.stringify(s)}`)
    const v8 = /at position (\d+)/.exec(message)
    if (v8) t.equal(found, Number(v8[1]), `same offset as V8 for ${JSON.stringify(s)}`)
  }
})

t.test('jsonErrorOffset and lineColumnAt', async (t) => {
  t.equal(jsonErrorOffset('{"a" 1}', 'Expected \':\' after property name in JSON at position 5'), 5)
  t.equal(jsonErrorOffset('{"a":', 'Unexpected end of JSON input'), 5)
  t.same(lineColumnAt('ab\ncd\nef', 0), { line: 1, column: 1 })
  t.same(lineColumnAt('ab\ncd\nef', 4), { line: 2, column: 2 })
  t.same(lineColumnAt('ab\ncd\nef', 99), { line: 3, column: 3 })
})

t.test('locateJsonError: line, column and a one-line problem', async (t) => {
  const text = '{\n  "mtu": 1400,\n}\n'
  let err: Error | undefined
  try { JSON.parse(text) } catch (e) { err = e as Error }
  t.match(locateJsonError(text, err!), { line: 3, column: 1 })
  t.notMatch(locateJsonError(text, err!).problem, /\n/)
})
