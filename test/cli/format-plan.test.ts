import t from 'tap'
import { addedArgs, quoteCommand } from '../../src/cli/format-plan.js'

t.test('quoteCommand quotes for a POSIX shell only what needs it', async (t) => {
  t.equal(quoteCommand(['dockerd', '-H', 'fd://', '--mtu=1450', '--label', 'a b', "it's", '']),
    `dockerd -H fd:// --mtu=1450 --label 'a b' 'it'\\''s' ''`)
})

t.test('addedArgs: the planned tail, or null when the user\'s part changed', async (t) => {
  t.same(addedArgs(['-H', 'fd://'], ['-H', 'fd://', '--mtu=1450']), ['--mtu=1450'])
  t.same(addedArgs([], []), [])
  t.equal(addedArgs(['--mtu', '1400'], ['--mtu=1400']), null)
})
