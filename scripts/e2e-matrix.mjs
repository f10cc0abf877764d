#!/usr/bin/env node
// Renders the e2e matrix (engine × scenario: pass/fail, seconds) from the JSON lines the e2e
// tests append to $AUTONET_E2E_MATRIX (test/e2e/lib/matrix.ts). .ci/run prints it before the
// closing line.
//
// Usage: node scripts/e2e-matrix.mjs FILE [ENGINE-LABEL...]
//   ENGINE-LABEL: engines that were meant to run ('dockerd 26.1.5'); a scenario that has rows for
//   some engines but none for an expected one shows "MISSING" there (and the exit status is 1).
// Exit: 0 every cell passed; 1 a cell failed or is missing; 2 usage or unreadable file.
import fs from 'node:fs'

const [file, ...expected] = process.argv.slice(2)
if (!file) {
  console.error('usage: node scripts/e2e-matrix.mjs FILE [ENGINE-LABEL...]')
  process.exit(2)
}
let text
try {
  text = fs.readFileSync(file, 'utf8')
} catch (err) {
  console.error(`e2e-matrix: cannot read ${file}: ${err.message}`)
  process.exit(2)
}
const rows = text.split('\n').filter(Boolean).map((l, i) => {
  try { return JSON.parse(l) } catch { console.error(`e2e-matrix: ${file}:${i + 1}: not JSON`); process.exit(2) }
})

const NO_ENGINE = 'no engine'
const engines = [...new Set([...expected, ...rows.map((r) => r.engine).filter((e) => e !== NO_ENGINE)])]
const scenarios = [...new Set(rows.map((r) => r.scenario))].sort()
const cell = new Map(rows.map((r) => [`${r.scenario}\0${r.engine}`, r]))
const columns = [...engines, ...(rows.some((r) => r.engine === NO_ENGINE) ? [NO_ENGINE] : [])]

let bad = 0
const body = scenarios.map((s) => {
  const perEngine = rows.some((r) => r.scenario === s && r.engine !== NO_ENGINE)
  return [s, ...columns.map((e) => {
    const r = cell.get(`${s}\0${e}`)
    if (r) {
      if (!r.pass) bad++
      return `${r.pass ? 'pass' : 'FAIL'} ${r.seconds.toFixed(1)}s`
    }
    if ((e === NO_ENGINE) === !perEngine) { bad++; return 'MISSING' }
    return '-'
  })]
})
const total = columns.map((e) => rows.filter((r) => r.engine === e).reduce((n, r) => n + r.seconds, 0))
body.push(['(total seconds)', ...total.map((x) => `${x.toFixed(1)}s`)])

const head = ['scenario', ...columns]
const width = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)))
const line = (r) => r.map((c, i) => c.padEnd(width[i])).join('  ').trimEnd()
console.log(line(head))
console.log(line(width.map((w) => '-'.repeat(w))))
for (const r of body) console.log(line(r))
process.exit(bad ? 1 : 0)
