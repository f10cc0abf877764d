import t from 'tap'
import { memoryLogger } from '../../src/log.js'
import type { Action } from '../../src/model.js'
import { applyActions } from '../../src/apply/apply-actions.js'

const pin: Action = { type: 'pin-bridge-mac', bridge: 'docker0', mac: '02:42:00:00:00:01', reason: 'pin it' }
const clamp: Action = { type: 'clamp-mss', mtu: 1450, ipv6: false, reason: 'clamp it' }
const conntrack: Action = { type: 'conntrack-delete', ids: ['A'], entries: [], reason: 'stale' }

t.test('runs each action\'s applier, in the plan\'s order', async (t) => {
  const seen: string[] = []
  await applyActions([pin, clamp], {
    log: memoryLogger(),
    appliers: {
      'pin-bridge-mac': async (a) => { seen.push(`${a.type} ${a.bridge} ${a.mac}`) },
      'clamp-mss': async (a) => { seen.push(`${a.type} ${a.mtu}`) },
    },
  })
  t.same(seen, ['pin-bridge-mac docker0 02:42:00:00:00:01', 'clamp-mss 1450'])
})

t.test('fail open: a failing applier is logged and the next action still runs', async (t) => {
  const log = memoryLogger()
  const seen: string[] = []
  await applyActions([pin, clamp], {
    log,
    appliers: {
      'pin-bridge-mac': async () => { throw new Error('cannot set MAC of docker0: EPERM') },
      'clamp-mss': async () => { seen.push('clamp') },
    },
  })
  t.same(seen, ['clamp'])
  t.match(log.lines, [/debug/, /warn: pin-bridge-mac failed: cannot set MAC of docker0: EPERM; continuing/, /debug/])
})

t.test('an action type without an applier is skipped with a warning', async (t) => {
  const log = memoryLogger()
  await applyActions([conntrack], { log, appliers: {} })
  t.same(log.lines, ['dockerd-autonet: warn: conntrack-delete: skipped: no applier'])
})

t.test('a synchronous throw and a non-Error rejection are swallowed too', async (t) => {
  const log = memoryLogger()
  await applyActions([clamp, pin], {
    log,
    appliers: {
      'clamp-mss': (() => { throw new Error('boom') }) as never,
      'pin-bridge-mac': () => Promise.reject('plain string'),
    },
  })
  t.match(log.lines.filter((l) => l.includes('warn')), [/clamp-mss failed: boom/, /pin-bridge-mac failed: plain string/])
})

t.test('this build has an applier for every action type the planner emits', async (t) => {
  const { defaultAppliers } = await import('../../src/apply/appliers.js')
  t.same(Object.keys(defaultAppliers(memoryLogger())).sort(), ['clamp-mss', 'conntrack-delete', 'create-bridge', 'pin-bridge-mac'])
})
