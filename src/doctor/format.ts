/**
 * How doctor's findings are shown: a table for people (one row per finding, the fix on the line
 * below it) and `doctor --json` for machines.
 */
import { countBySeverity, exitCodeOf } from './diagnose.js'
import type { Finding, RunningDockerd, Severity } from './types.js'

/** `doctor --json`: the verdict, the egress, the dockerds looked at, and every finding. */
export interface DoctorReport {
  status: 'healthy' | 'problems' | 'unknown'
  exit_code: 0 | 1 | 2
  counts: Record<Severity, number>
  egress: { dev: string, mtu: number | null } | null
  dockerds: Array<Pick<RunningDockerd, 'pid' | 'command' | 'argv' | 'started_at' | 'via_wrapper' | 'daemon_json_path'> & {
    api: { socket: string | null, error: string | null, containers: number | null, networks: string[] | null }
  }>
  findings: Finding[]
}

export function doctorReport(findings: Finding[], running: RunningDockerd[]): DoctorReport {
  const code = exitCodeOf(findings)
  const egress = findings.find((f) => f.check === 'egress' && f.severity === 'ok')
  return {
    status: code === 0 ? 'healthy' : code === 1 ? 'problems' : 'unknown',
    exit_code: code,
    counts: countBySeverity(findings),
    egress: egress ? { dev: egress.subject, mtu: egress.mtu ?? null } : null,
    dockerds: running.map((d) => ({
      pid: d.pid, command: d.command, argv: d.argv, started_at: d.started_at, via_wrapper: d.via_wrapper, daemon_json_path: d.daemon_json_path,
      api: { socket: d.api.socket, error: d.api.error, containers: d.api.containers?.length ?? null, networks: d.api.networks?.map((n) => n.name) ?? null },
    })),
    findings,
  }
}

const LABEL: Record<Severity, string> = { ok: 'ok', info: 'info', warn: 'WARN', problem: 'PROBLEM', unknown: 'UNKNOWN' }

/** The table: STATUS CHECK SUBJECT MTU FINDING, a `fix:` line under each finding that has one, and a verdict line. */
export function formatFindings(findings: Finding[]): string {
  const rows = findings.map((f) => [LABEL[f.severity], f.check, f.subject, f.mtu == null ? '-' : String(f.mtu), f.message])
  const head = ['STATUS', 'CHECK', 'SUBJECT', 'MTU', 'FINDING']
  const width = [0, 1, 2, 3].map((i) => rows.reduce((w, r) => Math.max(w, r[i].length), head[i].length))
  const line = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(width[i]) : c)).join('  ').trimEnd()
  const indent = ' '.repeat(width.reduce((a, b) => a + b + 2, 0))
  const lines = [line(head)]
  findings.forEach((f, i) => {
    lines.push(line(rows[i]))
    if (f.fix) lines.push(`${indent}fix: ${f.fix}`)
  })
  lines.push('', verdict(findings))
  return lines.join('\n') + '\n'
}

/** "2 problems, 1 warning: exit 1" and what the exit code means. */
export function verdict(findings: Finding[]): string {
  const c = countBySeverity(findings)
  const code = exitCodeOf(findings)
  const parts: string[] = []
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`
  if (c.problem) parts.push(n(c.problem, 'problem', 'problems'))
  if (c.warn) parts.push(n(c.warn, 'warning', 'warnings'))
  if (c.unknown) parts.push(n(c.unknown, 'check not possible', 'checks not possible'))
  const what = code === 0 ? 'healthy' : code === 1 ? 'problems found' : 'could not check'
  return `${what}${parts.length ? ` (${parts.join(', ')})` : ''}: exit ${code}`
}
