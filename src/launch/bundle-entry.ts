#!/usr/bin/env node
/**
 * The one-file bundle's entry (scripts/bundle.mjs, step 2): the program (program.ts bundled as
 * CommonJS, step 1) is embedded as a string and compiled through the V8 code cache beside the
 * bundle (code-cache.ts), then run; after it returns, the cache is written if it was missing
 * or stale, and the process exits with the program's code.
 *
 * Start-up is the point of this file: it imports nothing but node:module, node:url and the
 * cache (node:fs, node:vm); the program's sha256 is computed at build time, not here.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { codeCachePath, loadCachedProgram, saveCodeCache, type CachedProgram } from './code-cache.js'
import { crashed } from './crash.js'

/** The program's CommonJS source and its sha256 (hex), written in by scripts/bundle.mjs. */
declare const __PROGRAM_SOURCE__: string
declare const __PROGRAM_SHA256__: string

type Program = { run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> }

const file = fileURLToPath(import.meta.url)
const cachePath = codeCachePath(file)
let loaded: CachedProgram
const module = { exports: {} as Program }
try {
  loaded = loadCachedProgram(__PROGRAM_SOURCE__, file, cachePath, __PROGRAM_SHA256__)
  loaded.fn(module, module.exports, createRequire(import.meta.url), import.meta)
} catch (err) {
  process.exit(crashed(err))
}
const code = await module.exports.run(process.argv.slice(2), process.env)
saveCodeCache(loaded, cachePath, __PROGRAM_SHA256__)
process.exit(code)
