import t from 'tap'
import { planFromState } from '../../src/plan/plan.js'
import { checkExpectation, loadCases } from '../helpers/cases.js'

const cases = loadCases()

t.test(`every shared case (${cases.length}) gives its expected plan`, async (t) => {
  t.ok(cases.length >= 21, `found ${cases.length} case files`)
  for (const c of cases) {
    const plan = planFromState(c.fixture)
    t.same(checkExpectation(c, plan), [], `${c.file} (${c.kind})`, { reasons: plan.reasons, warnings: plan.warnings })
  }
})

t.test('the checker itself rejects a wrong plan (it can fail)', async (t) => {
  const c = cases.find((x) => x.file.startsWith('01-'))!
  const plan = planFromState(c.fixture)
  const wrong = { ...plan, mtu: 1500, egress: 'docker0', args: ['--mtu=1500'] }
  const bad = checkExpectation(c, wrong)
  t.ok(bad.some((l) => l.startsWith('mtu:')), 'wrong mtu is caught')
  t.ok(bad.some((l) => l.startsWith('egress:')), 'wrong egress is caught')
  t.ok(bad.some((l) => l.includes('--mtu=1500')), 'forbidden arg is caught')
})
