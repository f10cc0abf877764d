#!/usr/bin/env node
/**
 * The one-file bundle's entry (scripts/bundle.mjs, step 2): the program (program.ts bundled as
 * CommonJS, step 1) is read back from the comment at the end of this file (embedded-program.ts)
 * and compiled through the V8 code cache beside the bundle (code-cache.ts), then run; after it
 * returns, the cache is written if it was missing or stale, and the process exits with the
 * program's code once stdout and stderr are flushed (exit.ts).
 *
 * Start-up is the point of this file: it imports nothing but node:fs, node:module, node:url,
 * the cache (node:fs, node:vm), embedded-program.ts, crash.ts and exit.ts (no imports); the
 * program's sha256 is computed at build time, not here.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { codeCachePath, loadCachedProgram, saveCodeCache, type CachedProgram } from './code-cache.js'
import { crashed } from './crash.js'
import { readEmbeddedProgram } from './embedded-program.js'
import { exitWhenFlushed } from './exit.js'

/** The sha256 (hex) of the program's CommonJS source, written in by scripts/bundle.mjs. */
declare const __PROGRAM_SHA256__: string

type Program = { run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> }

const file = fileURLToPath(import.meta.url)
const cachePath = codeCachePath(file)
let loaded: CachedProgram
const module = { exports: {} as Program }
try {
  // latin1: the bundle is ASCII (embedded-program.ts), and latin1 skips UTF-8 decoding.
  loaded = loadCachedProgram(readEmbeddedProgram(readFileSync(file, 'latin1')), file, cachePath, __PROGRAM_SHA256__)
  loaded.fn(module, module.exports, createRequire(import.meta.url), import.meta)
} catch (err) {
  await exitWhenFlushed(crashed(err))
}
const code = await module.exports.run(process.argv.slice(2), process.env)
// `loaded` is set: the catch above never returns (exitWhenFlushed ends the process).
saveCodeCache(loaded!, cachePath, __PROGRAM_SHA256__)
await exitWhenFlushed(code)
