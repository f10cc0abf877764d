/** What every benchmark part shares: progress lines, summary statistics, Markdown tables, machine facts. */
import { execFileSync } from 'node:child_process'

/** The repository root. npm runs scripts from the package root; the bundle lives elsewhere, so import.meta.url is no guide. */
export const ROOT = process.cwd()

export const progress = (s: string) => process.stderr.write(`bench: ${s}\n`)

export interface Stats { min: number; median: number; max: number; n: number }

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
  return { min: s[0], median, max: s[s.length - 1], n: s.length }
}

export const f1 = (x: number) => x.toFixed(1)
export const f2 = (x: number) => x.toFixed(2)

export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

export function sh(cmd: string, args: string[]): string {
  try { return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000 }).trim() } catch { return '(unavailable)' }
}
