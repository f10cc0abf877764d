/** What every benchmark part shares: the repository root, progress lines, machine facts (statistics and tables: stats.ts). */
import { execFileSync } from 'node:child_process'

/** The repository root. npm runs scripts from the package root; the bundle lives elsewhere, so import.meta.url is no guide. */
export const ROOT = process.cwd()

export const progress = (s: string) => process.stderr.write(`bench: ${s}\n`)

export function sh(cmd: string, args: string[]): string {
  try { return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000 }).trim() } catch { return '(unavailable)' }
}
