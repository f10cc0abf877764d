/**
 * --autonet-bridge next to what is already there: a link of that name that is no bridge (never
 * taken over; dockerd still gets --bridge=NAME and refuses it loudly, point 5).
 */
import t from 'tap'
import type { MachineState } from '../../src/model.js'
import { planFromState } from '../../src/plan/index.js'
import { runMain } from '../helpers/run-main.js'
import { link, state } from '../helpers/state.js'

/** main with the real planner on `machine`: what was exec'd, applied and logged. */
const start = (argv: string[], machine: Partial<MachineState>) => runMain(argv, { readState: async (o) => state({ ...machine, argv: o.argv }) })

const eth0 = link('eth0', 1500, { type: 'veth', addrs: ['10.0.0.5/24'] })

t.test('NAME is a veth: not taken over; dockerd gets --bridge=NAME and refuses it, the reason on one line', async (t) => {
  const r = await start(['--autonet-bridge=br-ci=10.99.0.1/24', '--debug'], { links: [eth0, link('br-ci', 1500, { type: 'veth', addrs: ['10.5.0.2/24'] })] })
  t.same(r.execs, [['dockerd', '--debug', '--bridge=br-ci']], 'never a dockerd on docker0')
  t.same(r.applied, [], 'nothing created, addressed or pinned')
  const errors = r.lines.filter((l) => l.includes('error:'))
  t.equal(errors.length, 1, errors.join('\n'))
  t.match(errors[0], /--autonet-bridge=br-ci=10\.99\.0\.1\/24: br-ci exists as a veth with 10\.5\.0\.2\/24, not a bridge: not taken over; dockerd is still told --bridge=br-ci and will refuse it \("existing interface br-ci is not a bridge"\); remove it or choose another name; starting dockerd with your arguments unchanged/)
  t.match(r.lines.join('\n'), /keeping --bridge=br-ci \(--autonet-bridge\): .*dockerd fails loudly if br-ci does not exist or is not a bridge/)
})
