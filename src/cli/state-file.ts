/**
 * Reading a machine-state snapshot for `plan --state FILE` (the contract in
 * shared/cases/README.md): what `dockerd-autonet snapshot` printed, or a case file, whose
 * `fixture` is the snapshot. Snapshots come pasted from bug reports, so a bad one is reported
 * with the file and the line and column at fault.
 */
import { readFile } from 'node:fs/promises'
import type { MachineState } from '../model.js'
import { UsageError } from './route.js'

/**
 * Read and check a snapshot file.
 *
 * @param path file to read; a case file (`{"fixture": {...}, "expected": ...}`) is accepted too
 * @returns the snapshot as written (fields the reader did not know stay absent)
 * @throws UsageError naming the file: unreadable, not JSON (with line:column), or not a snapshot
 *   (not an object; `links`, `routes4`, `routes6` or `argv` present but not a list)
 */
export async function readStateFile(path: string): Promise<MachineState> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read state file ${path}: ${(err as Error).message}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    const { line, column } = lineColumn(text, jsonErrorOffset(text))
    const why = (err as Error).message.replace(/ in JSON at position \d+.*$/, '')
    throw new UsageError(`state file ${path}:${line}:${column}: not valid JSON: ${why}`)
  }
  if (isObject(value) && isObject(value.fixture) && !('links' in value)) value = value.fixture
  if (!isObject(value)) throw new UsageError(`state file ${path}: expected a JSON object (a snapshot), got ${kind(value)}`)
  for (const key of ['links', 'routes4', 'routes6', 'argv']) {
    if (key in value && !Array.isArray(value[key])) {
      throw new UsageError(`state file ${path}: "${key}" must be a list, got ${kind(value[key])}`)
    }
  }
  return value as MachineState
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number, column: number } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - before.lastIndexOf('\n') }
}

/**
 * Offset of the first JSON syntax error in `text` (text.length when it ends too early).
 * JSON.parse's own messages carry a position only on some errors and only in some Node
 * versions, so we find it ourselves; this runs only after JSON.parse has failed.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++ }
  const fail = (): never => { throw i }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++; ws()
      if (text[i] === '}') { i++; return }
      for (;;) {
        ws(); if (text[i] !== '"') fail()
        string(); ws()
        if (text[i] !== ':') fail()
        i++; value(); ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === '}') { i++; return }
        fail()
      }
    } else if (c === '[') {
      i++; ws()
      if (text[i] === ']') { i++; return }
      for (;;) {
        value(); ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === ']') { i++; return }
        fail()
      }
    } else if (c === '"') {
      string()
    } else {
      const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400))
      if (!m) fail()
      i += m![0].length
    }
  }
  const string = () => {
    i++
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail()
      if (text[i] === '\\') {
        i++
        if (text[i] === 'u') { if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail(); i += 4 }
        else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail()
      }
      i++
    }
    if (i >= text.length) fail()
    i++
  }
  try {
    value(); ws()
    return i < text.length ? i : text.length
  } catch (at) {
    return Math.min(at as number, text.length)
  }
}
