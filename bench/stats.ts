/** Summary statistics and Markdown tables shared by the benchmark parts. */

export interface Stats { min: number; median: number; max: number; n: number }

/** min, median, max of `xs` (not empty). */
export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
  return { min: s[0], median, max: s[s.length - 1], n: s.length }
}

export const f1 = (x: number): string => x.toFixed(1)
export const f2 = (x: number): string => x.toFixed(2)

/** A Markdown table. */
export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

/**
 * `times` against `ceiling`, measured in the same rounds: the median of the per-round ratios
 * (robust to load that hits both sides of a round alike) and the ratio of the minima.
 */
export function ratios(times: number[], ceiling: number[]): { paired: number; mins: number } {
  const paired = stats(times.map((t, i) => t / ceiling[i])).median
  return { paired, mins: stats(times).min / stats(ceiling).min }
}
