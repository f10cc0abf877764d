/**
 * Part 3 of `npm run bench`: decision quality on every shared case (../shared/cases, read at run
 * time), against the naive strategies: the minimum MTU of all links (the entrypoint hack), and
 * plain dockerd (the user's explicit MTU, else its default).
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { resolveSettings } from '../src/dockerd/settings.js'
import type { MachineState, Plan } from '../src/model.js'
import { loadCases } from '../test/helpers/cases.js'
import { ROOT } from './report.js'
import { table } from './stats.js'

/** The MTU plain dockerd runs with for this state: the user's explicit one, else none chosen (null). */
function plainDockerdMtu(state: MachineState): number | null {
  return resolveSettings(state.argv ?? [], state.daemon_json ?? null).mtu?.value ?? null
}

export async function decisionQuality(): Promise<string> {
  const all = loadCases(path.resolve(ROOT, '../shared/cases'))
  const planner = await import(pathToFileURL(path.join(ROOT, 'dist/plan/plan.js')).href) as { planFromState(s: MachineState): Plan }
  const rows: string[][] = []
  const score = { autonet: 0, minAll: 0, plain: 0, n: 0 }
  const show = (x: number | null) => (x === null ? '—' : String(x))
  for (const c of all) {
    if (!('mtu' in c.expected)) continue
    const want = c.expected.mtu as number | null
    const autonet = planner.planFromState(c.fixture).mtu
    const mtus = (c.fixture.links ?? []).filter((l) => l.up && l.type !== 'loopback' && l.name !== 'lo').map((l) => l.mtu)
    const minAll = mtus.length ? Math.min(...mtus) : null
    // Plain dockerd: the user's explicit value, else its built-in default (no MTU chosen).
    const plain = plainDockerdMtu(c.fixture)
    score.n++
    if (autonet === want) score.autonet++
    if (minAll === want) score.minAll++
    if (plain === want) score.plain++
    const mark = (x: number | null) => `${show(x)}${x === want ? '' : ' ✗'}`
    rows.push([c.file.replace(/\.json$/, ''), show(want), mark(autonet), mark(minAll), mark(plain)])
  }
  const pct = (k: number) => `${k}/${score.n} (${Math.round((100 * k) / score.n)} %)`
  return [
    '## 3. Decision quality on the shared cases',
    '',
    `Every case in ../shared/cases with an expected \`mtu\` (${score.n} of ${all.length}), read at run time.`,
    '"—" is no MTU chosen (dockerd\'s default 1500 stands), which is what `"mtu": null` expects.',
    'dockerd-autonet: `planFromState` from the built dist/plan/plan.js with default options.',
    'min of all links: smallest MTU of the up, non-loopback links (the entrypoint hack).',
    'plain dockerd: the user\'s explicit --mtu or daemon.json "mtu", else its default.',
    '',
    table(['strategy', 'MTU as expected'], [
      ['dockerd-autonet', pct(score.autonet)],
      ['min MTU of all up non-loopback links', pct(score.minAll)],
      ['plain dockerd (default 1500)', pct(score.plain)],
    ]),
    '',
    '<details><summary>Per case (✗ = not the expected MTU)</summary>',
    '',
    table(['case', 'expected', 'dockerd-autonet', 'min of all links', 'plain dockerd'], rows),
    '',
    '</details>',
    '',
  ].join('\n')
}
