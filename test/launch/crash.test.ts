/** A crash of ours, as both launchers report it (src/launch/crash.ts). */
import t from 'tap'
import { EXIT_INTERNAL } from '../../src/cli/main.js'
import { crashed, EXIT_CRASH } from '../../src/launch/crash.js'

t.test('the stack on one dockerd-autonet: line, exit 70 (EX_SOFTWARE, as main\'s own internal errors)', async (t) => {
  t.equal(EXIT_CRASH, 70)
  t.equal(EXIT_CRASH, EXIT_INTERNAL, 'one code for our own failures')
  const out: string[] = []
  const err = new TypeError('boom')
  t.equal(crashed(err, (s) => out.push(s)), 70)
  t.equal(out.length, 1)
  t.ok(out[0].startsWith(`dockerd-autonet: error: ${err.stack!.split('\n')[0]}\n`), 'the stack, from its first line')
  t.ok(out[0].endsWith('\n'))
  t.same(((w: string[]) => (crashed('not an Error', (s) => w.push(s)), w))([]), ['dockerd-autonet: error: not an Error\n'], 'a thrown non-Error as text')
})
