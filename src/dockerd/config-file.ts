/**
 * dockerd's config file (daemon.json): where it is and what it says, read the way dockerd
 * reads it (moby daemon/config/config.go, getConflictFreeConfiguration): a UTF-8 or UTF-16 byte
 * order mark is honoured, and an empty or whitespace-only file is an empty config.
 */
import { BoundedReadError, MAX_JSON_FILE_BYTES, readBounded } from '../bounded-read.js'
import { firstTooDeep, MAX_JSON_DEPTH } from '../json-depth.js'
import { lineColumnAt, locateJsonError } from '../json-position.js'
import { INT_FLAGS, parseDockerdFlags } from './flags.js'

/**
 * dockerd's config file as parsed: a JSON object whose keys are dockerd's long flag names or
 * their plural config names (config-keys.ts). Values are as the user wrote them, unchecked:
 * read them through resolveSettings (settings.ts), which types the ones we act on.
 */
export type DaemonJson = Record<string, unknown>

/** Where dockerd looks when no --config-file is given (Linux). */
export const DEFAULT_DAEMON_CONFIG_PATH = '/etc/docker/daemon.json'

/** Result of reading a daemon config file. */
export interface DaemonConfigRead {
  /** Parsed top-level object; null when absent or unusable. */
  config: DaemonJson | null
  path: string
  /** Why the file could not be used, starting "daemon.json:" and naming the file; null if fine or absent. */
  error: string | null
}

/**
 * The config file named in dockerd's argv by `--config-file X` or `--config-file=X` (the last
 * one wins, as with pflag; nothing after `--` is a flag), or null when none is named. Read with
 * the planner's dockerd flag parser, so every spelling counts the same everywhere.
 */
export function configFileFromArgv(argv: string[]): string | null {
  const uses = parseDockerdFlags(argv).filter((u) => u.name === 'config-file' && u.text !== '--config-file')
  return uses.length ? uses[uses.length - 1].value : null
}

/**
 * The config file dockerd will read for this argv: the one named by --config-file, else
 * /etc/docker/daemon.json; '' for an empty `--config-file=`, which names no file: dockerd then
 * reads none at all, not even the default (moby cmd/dockerd/daemon.go loadDaemonCliConfig, the
 * same in 20.10.24, 26.1.5 and 28: `if opts.configFile != "" { MergeDaemonConfigurations… }`),
 * and readDaemonConfig('') reads none either.
 */
export function configFilePath(argv: string[]): string {
  return configFileFromArgv(argv) ?? DEFAULT_DAEMON_CONFIG_PATH
}

/**
 * Reads and parses dockerd's config file at `path`. Never throws.
 *
 * - '' (an empty --config-file; configFilePath) → `{config: null, error: null}`: no file, as dockerd reads none.
 * - absent → `{config: null, error: null}`, unless `explicit` (the path came from
 *   --config-file): dockerd then refuses to start, so that is an error.
 * - unreadable (EACCES…), or not a regular file (a directory, a FIFO, /dev/zero through a
 *   symlink: never opened, so nothing blocks) → config null, error naming the file and its kind.
 * - larger than MAX_JSON_FILE_BYTES (16 MiB; bounded-read.ts) → config null, error naming the
 *   file, its size and the cap; nothing is read. dockerd itself has no cap, but we run before it,
 *   often in a small sidecar, and must not spend its memory on a file no real config comes near.
 * - malformed JSON → config null, error naming the file and the line:column (1-based) of the
 *   problem, e.g. "daemon.json: /etc/docker/daemon.json: invalid JSON at line 3, column 8: …".
 * - top level not an object → config null, error.
 * - nested deeper than MAX_JSON_DEPTH (json-depth.ts) → config null, error with line:column.
 * - an integer key ("mtu", "shutdown-timeout", … INT_FLAGS) written with a fraction or exponent
 *   (1400.0, 1.4e3, 1400.5) at the top level, even where a later duplicate is an integer → config
 *   null, error with line:column of the first: Go's encoding/json refuses such a number for an
 *   int field ("json: cannot unmarshal number 1400.0 into Go struct field … of type int", with
 *   `--validate` on 26.1.5 and 28.5.2, a later `"mtu": 1400` too), and JSON.parse reads 1400.0
 *   as 1400, so only the text tells (the other MTU rules: settings.ts refusedMtu).
 * - empty or whitespace-only → `{}` (dockerd treats it as an empty config).
 */
export async function readDaemonConfig(path: string, opts: { explicit?: boolean } = {}): Promise<DaemonConfigRead> {
  if (path === '') return { config: null, path, error: null }
  let bytes: Buffer
  try {
    bytes = await readBounded(path, { maxBytes: MAX_JSON_FILE_BYTES })
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (e instanceof BoundedReadError) {
      return { config: null, path, error: e.reason === 'too-large' ? `daemon.json: ${path} is too large: ${e.message}; not read` : `daemon.json: cannot read ${path}: ${e.message}; not read` }
    }
    if (err.code === 'ENOENT') {
      const error = opts.explicit
        ? `daemon.json: ${path} (named by --config-file) does not exist; dockerd will refuse to start`
        : null
      return { config: null, path, error }
    }
    return { config: null, path, error: `daemon.json: cannot read ${path}: ${err.message}` }
  }
  const text = decodeConfigBytes(bytes)
  if (text === null) return { config: null, path, error: `daemon.json: ${path} is not valid UTF-8 or UTF-16 text` }
  return { path, ...parseDaemonConfig(text, path) }
}

/**
 * Parses daemon config text (BOM already removed). See readDaemonConfig for the cases;
 * `path` is only used to name the file in the error.
 */
export function parseDaemonConfig(text: string, path: string): { config: DaemonJson | null, error: string | null } {
  if (text.trim() === '') return { config: {}, error: null }
  const deep = firstTooDeep(text)
  if (deep) return { config: null, error: `daemon.json: ${path}: nested deeper than ${MAX_JSON_DEPTH} levels at line ${deep.line}, column ${deep.column}; not read` }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    const { line, column, problem } = locateJsonError(text, e as Error)
    return { config: null, error: `daemon.json: ${path}: invalid JSON at line ${line}, column ${column}: ${problem}` }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
    return { config: null, error: `daemon.json: ${path}: top level is ${kind}, expected a JSON object` }
  }
  const bad = firstFractionalInteger(text, INT_FLAGS)
  if (bad) {
    const { line, column } = lineColumnAt(text, bad.offset)
    return { config: null, error: `daemon.json: ${path}: "${bad.key}" is ${bad.token} at line ${line}, column ${column}, not an integer (Go's encoding/json reads no fraction or exponent into dockerd's int "${bad.key}")` }
  }
  return { config: value as DaemonJson, error: null }
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/**
 * The first number written with a fraction or exponent for a top-level key of `keys` in `text`,
 * a JSON object JSON.parse accepted: the key, the number as written and its offset; null when
 * there is none. One pass over the text, no recursion: strings are skipped whole, so brackets
 * in them do not count.
 */
function firstFractionalInteger(text: string, keys: ReadonlySet<string>): { key: string, token: string, offset: number } | null {
  const blank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r'
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') depth--
    else if (c === '"') {
      const start = i
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
      if (depth !== 1) continue
      let j = i + 1
      while (blank(text[j])) j++
      if (text[j] !== ':') continue
      const key = JSON.parse(text.slice(start, i + 1)) as string
      if (!keys.has(key)) continue
      for (j++; blank(text[j]);) j++
      JSON_NUMBER.lastIndex = j
      const m = JSON_NUMBER.exec(text)
      if (m && /[.eE]/.test(m[0])) return { key, token: m[0], offset: j }
    }
  }
  return null
}

/**
 * Bytes of a config file as text, the way dockerd decodes them: a UTF-8 BOM is dropped, a
 * UTF-16 BOM (LE or BE, as Windows PowerShell writes) selects UTF-16; otherwise UTF-8.
 * Null when the bytes are not valid in that encoding.
 */
export function decodeConfigBytes(bytes: Buffer): string | null {
  try {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return utf8.decode(bytes.subarray(3))
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2))
    if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      // Swapped by hand: Node builds without full ICU have no 'utf-16be' decoder.
      const le = Buffer.from(bytes.subarray(2))
      if (le.length % 2 !== 0) return null
      return new TextDecoder('utf-16le', { fatal: true }).decode(le.swap16())
    }
    return utf8.decode(bytes)
  } catch {
    return null
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
