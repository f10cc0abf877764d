/**
 * Running an e2e file once per engine, and the engine × scenario matrix CI prints.
 *
 * Each run of a scenario (an e2e file) on an engine appends one JSON line
 *   {"scenario":"pmtu-blackhole","engine":"dockerd 26.1.5","suite":"trixie","pass":true,"seconds":41.2}
 * to the file named by AUTONET_E2E_MATRIX (.ci/run sets it and renders the table with
 * scripts/e2e-matrix.mjs); without the variable nothing is written.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { e2eEngines, type Engine } from './engines.js'
import { inCI, requireE2E } from './preflight.js'

export interface MatrixRow {
  scenario: string
  /** Engine label ('dockerd 26.1.5'), or 'no engine' for a scenario that starts no dockerd. */
  engine: string
  suite: string
  pass: boolean
  seconds: number
}

/** Appends a row to AUTONET_E2E_MATRIX, if set. */
export function recordMatrixRow(row: MatrixRow): void {
  const file = process.env.AUTONET_E2E_MATRIX
  if (file) fs.appendFileSync(file, `${JSON.stringify(row)}\n`)
}

/** 'pmtu-blackhole' for file:///…/test/e2e/pmtu-blackhole.test.ts. */
export function scenarioName(moduleUrl: string): string {
  return path.basename(fileURLToPath(moduleUrl)).replace(/\.test\.[cm]?[jt]s$/, '')
}

function timed(t: Test, scenario: string, engine: string, suite: string): void {
  const t0 = process.hrtime.bigint()
  // Teardown runs after every subtest of `t` has ended, so passing() covers them all.
  t.teardown(() => recordMatrixRow({
    scenario, engine, suite, pass: t.passing(), seconds: Math.round(Number(process.hrtime.bigint() - t0) / 1e7) / 100,
  }))
}

/**
 * The body of an e2e file that starts dockerd: runs `body` once per engine, each in a subtest
 * named after the engine ('dockerd 26.1.5 (trixie)'), so every test name carries the version.
 * Fails (CI) or skips (elsewhere) like {@link requireE2E} when the prerequisites or an engine
 * are missing: a missing engine is never silently dropped in CI.
 */
export function forEachEngine(t: Test, moduleUrl: string, body: (t: Test, engine: Engine) => void | Promise<void>): void {
  if (!requireE2E(t)) return
  const scenario = scenarioName(moduleUrl)
  const { engines, problem } = e2eEngines()
  if (problem) {
    if (inCI()) t.fail(`engines missing in CI (run scripts/fetch-engines.sh): ${problem}`)
    else if (!engines.length) { t.plan(0, `e2e skipped outside CI: ${problem}`); return }
    else t.comment(`some engines missing, running the others: ${problem}`)
  }
  for (const engine of engines) {
    t.test(`${engine.label} (${engine.suite})`, async (tt) => {
      timed(tt, scenario, engine.label, engine.suite)
      await body(tt, engine)
    })
  }
}

/**
 * For an e2e file whose subject involves no dockerd (the wrapper's own bridge creation, the
 * path-MTU probe): its one run goes into the matrix as 'no engine'.
 */
export function engineFree(t: Test, moduleUrl: string): void {
  timed(t, scenarioName(moduleUrl), 'no engine', '-')
}
