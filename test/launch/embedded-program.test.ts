/**
 * The bundle's program carried in a trailing comment (src/launch/embedded-program.ts): what
 * embedProgram writes, readEmbeddedProgram gives back exactly, also when the program has the
 * markers' neighbours (`*` `/`, `/*`) and when the text before it has markers of its own; the
 * comment is a real comment to V8 (the module around it still runs); a program it cannot carry
 * is refused at build time, and a copy cut short says so.
 */
import fc from 'fast-check'
import t from 'tap'
import vm from 'node:vm'
import { embedProgram, readEmbeddedProgram } from '../../src/launch/embedded-program.js'

const SEED = 42
const RUNS = Number(process.env.AUTONET_PROPERTY_RUNS ?? 2_000)

t.test('a program with comments, regexes and strings that end comments comes back exactly', async (t) => {
  const program = '"use strict";\n/* a */ const re = /a*/g; const s = "*/" + \'/*\' + `**/`;\nmodule.exports = { re, s } // */\n'
  const comment = embedProgram(program)
  t.notMatch(comment.slice(2, -3), /\*\//, 'no end of comment before its own')
  t.equal(readEmbeddedProgram(`const entry = 1;\n${comment}`), program)
  const ctx = { out: 0 }
  vm.runInNewContext(`out = 41 + 1;\n${comment}`, ctx)
  t.equal(ctx.out, 42, 'the code before the comment runs, the comment is skipped')
})

t.test(`property: readEmbeddedProgram(entry + embedProgram(p)) === p for ASCII p (fast-check, ${RUNS} runs, seed ${SEED})`, async (t) => {
  let runs = 0
  const ascii = fc.string({ unit: fc.constantFrom(...'*/\n\\"\'`ab \t\u0003\u007f'.split('')), maxLength: 200 })
  const markers = '"/*\u0002\\n"; "\\n\u0002*/\\n"; /*\u0002\n*/'
  fc.assert(fc.property(ascii, fc.boolean(), (p, entryHasMarkers) => {
    runs++
    const entry = entryHasMarkers ? `const m = [${markers}];\n` : ''
    return readEmbeddedProgram(entry + embedProgram(p)) === p
  }), { seed: SEED, numRuns: RUNS })
  t.equal(runs, RUNS)
  t.comment(`fast-check: ${runs} runs, seed ${SEED}`)
})

t.test('a program the comment cannot carry is refused, naming the character and where', async (t) => {
  t.throws(() => embedProgram('ok\u0001'), /U\+0001 at offset 2/)
  t.throws(() => embedProgram('\u0002'), /U\+0002 at offset 0/)
  t.throws(() => embedProgram('x\u0000'), /U\+0000 at offset 1/)
  t.throws(() => embedProgram('const s = "é"'), /U\+00e9 at offset 11: a bundle comment carries ASCII only/)
})

t.test('a bundle without its comment, or cut inside it, is an error that says so', async (t) => {
  const whole = `const e = 1;\n${embedProgram('module.exports = 1\n')}`
  for (const text of ['const e = 1;\n', whole.slice(0, -5), whole.slice(0, 16)]) {
    t.throws(() => readEmbeddedProgram(text), /no embedded program at its end: the file was cut short/, JSON.stringify(text.slice(-12)))
  }
})
