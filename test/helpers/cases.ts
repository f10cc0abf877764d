/**
 * Loading the shared machine-state cases (../shared/cases) at test time and checking a Plan
 * against a case's expectation (contract: shared/cases/README.md). Expectations are never copied
 * into code: they are read from the case files each run.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveSettings } from '../../src/dockerd/settings.js'
import type { MachineState, Plan } from '../../src/model.js'

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const CASES_DIR = process.env.AUTONET_CASES_DIR ?? resolve(PROJECT_ROOT, '../shared/cases')

export interface Case {
  file: string
  path: string
  kind: string
  fixture: MachineState
  expected: Record<string, any>
}

/** Every case file of `dir` (default: the shared cases); throws (failing the test, never skipping) when the directory is missing. */
export function loadCases(dir: string = CASES_DIR): Case[] {
  if (!existsSync(dir)) throw new Error(`shared cases not found at ${dir} (set AUTONET_CASES_DIR)`)
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  if (files.length === 0) throw new Error(`no case files in ${dir}`)
  return files.map((file) => {
    const path = join(dir, file)
    const data = JSON.parse(readFileSync(path, 'utf8'))
    return { file, path, kind: data.kind, fixture: data.fixture, expected: data.expected }
  })
}

/** The plan's JSON shape as `plan --json` prints it (contract keys only). */
export type PlanJson = Pick<Plan, 'egress' | 'mtu' | 'args' | 'warnings' | 'reasons' | 'error' | 'actions'>

/**
 * Mismatches between a plan and a case's expectation, as human-readable lines; empty = passes.
 * Keys absent from the expectation are not checked.
 */
export function checkExpectation(c: Case, plan: PlanJson): string[] {
  const e = c.expected
  const bad: string[] = []
  if ('egress' in e && plan.egress !== e.egress) bad.push(`egress: got ${plan.egress}, want ${e.egress}`)
  if ('mtu' in e && plan.mtu !== e.mtu) bad.push(`mtu: got ${plan.mtu}, want ${e.mtu}`)
  for (const a of e.args_contains ?? []) if (!plan.args.includes(a)) bad.push(`args lack ${a}: ${JSON.stringify(plan.args)}`)
  for (const a of e.args_not_contains ?? []) {
    const hit = a.includes('=') ? plan.args.includes(a) : plan.args.some((x) => x === a || x.startsWith(`${a}=`))
    if (hit) bad.push(`args must not contain ${a}: ${JSON.stringify(plan.args)}`)
  }
  if ('error' in e) {
    if (e.error === null && plan.error !== null) bad.push(`error: got ${plan.error}, want none`)
    if (typeof e.error === 'string' && !(plan.error ?? '').toLowerCase().includes(e.error.toLowerCase())) bad.push(`error: got ${plan.error}, want ~${e.error}`)
  }
  if (typeof e.warning === 'string') {
    const texts = [plan.error ?? '', ...plan.warnings].map((w) => w.toLowerCase())
    if (!texts.some((w) => w.includes(e.warning.toLowerCase()))) bad.push(`no warning containing "${e.warning}": ${JSON.stringify(plan.warnings)}`)
  }
  const bridge = resolveSettings(c.fixture.argv ?? [], c.fixture.daemon_json ?? null).bridge
  const pins = plan.actions.filter((a: any) => a.type === 'pin-bridge-mac' && a.bridge === bridge) as any[]
  if (e.bridge_mac_explicit === true && pins.length !== 1) bad.push(`want one pin-bridge-mac action for ${bridge}, got ${pins.length}`)
  for (const p of pins) {
    if ((e.bridge_mac_not_in ?? []).map((m: string) => m.toLowerCase()).includes(p.mac.toLowerCase())) bad.push(`pinned MAC ${p.mac} is one of ${e.bridge_mac_not_in}`)
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(p.mac) || (parseInt(p.mac.slice(0, 2), 16) & 1) !== 0) bad.push(`pinned MAC ${p.mac} is not a unicast MAC`)
  }
  const deleted = new Set(plan.actions.filter((a: any) => a.type === 'conntrack-delete').flatMap((a: any) => a.ids))
  for (const id of e.conntrack_delete ?? []) if (!deleted.has(id)) bad.push(`conntrack entry ${id} not deleted`)
  for (const id of e.conntrack_keep ?? []) if (deleted.has(id)) bad.push(`conntrack entry ${id} deleted but must be kept`)
  return bad
}
