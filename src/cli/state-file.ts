/**
 * Reading a machine-state snapshot for `plan --state FILE` (the contract in
 * shared/cases/README.md): what `dockerd-autonet snapshot` printed, or a case file, whose
 * `fixture` is the snapshot. Snapshots come pasted from bug reports, so a bad one is reported
 * with the file and the line and column at fault.
 */
import { BoundedReadError, MAX_STATE_FILE_BYTES, readBounded } from '../bounded-read.js'
import type { MachineState } from '../model.js'
import { firstTooDeep, MAX_JSON_DEPTH } from '../json-depth.js'
import { locateJsonError } from '../json-position.js'
import { isObject, snapshotProblems } from '../snapshot/validate.js'
import { UsageError } from './usage-error.js'

/**
 * Read and check a snapshot file.
 *
 * @param path file to read; a case file (`{"fixture": {...}, "expected": ...}`) is accepted too
 * @returns the snapshot as written (fields the reader did not know stay absent)
 * @throws UsageError naming the file: unreadable (a directory too), larger than
 *   MAX_STATE_FILE_BYTES (128 MiB: read no further, a FIFO or /dev/stdin up to it), not JSON (with line:column), nested deeper than
 *   MAX_JSON_DEPTH (line:column), or not a snapshot
 *   (the first problems found by snapshotProblems, each naming its field)
 */
export async function readStateFile(path: string): Promise<MachineState> {
  let text: string
  try {
    text = (await readBounded(path, { maxBytes: MAX_STATE_FILE_BYTES, streams: true })).toString('utf8')
  } catch (err) {
    if (err instanceof BoundedReadError && err.reason === 'too-large') throw new UsageError(`state file ${path} is too large: ${err.message}; not read`)
    throw new UsageError(`cannot read state file ${path}: ${(err as Error).message}`)
  }
  const deep = firstTooDeep(text)
  if (deep) throw new UsageError(`state file ${path}:${deep.line}:${deep.column}: nested deeper than ${MAX_JSON_DEPTH} levels; not a snapshot`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    const { line, column, problem } = locateJsonError(text, err as Error)
    throw new UsageError(`state file ${path}:${line}:${column}: not valid JSON: ${problem}`)
  }
  if (isObject(value) && isObject(value.fixture) && !('links' in value)) value = value.fixture
  const problems = snapshotProblems(value)
  if (problems.length > 0) {
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : ''
    throw new UsageError(`state file ${path}: not a snapshot: ${problems.slice(0, 5).join('; ')}${more}`)
  }
  return value as MachineState
}
