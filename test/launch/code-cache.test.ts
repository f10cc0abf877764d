/**
 * The bundle's code cache file (src/launch/code-cache.ts) against real V8: a program compiled
 * without a cache writes one, the next compile uses it; a cache of another build, a corrupt, a
 * truncated or an oversized file is rejected and the program still runs; a directory that
 * cannot be written to means no cache and no throw.
 */
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cacheHeader, codeCachePath, loadCachedProgram, MAX_CACHE_BYTES, PROGRAM_PARAMS, saveCodeCache, type CachedProgram } from '../../src/launch/code-cache.js'

const work = mkdtempSync(join(tmpdir(), 'autonet-code-cache-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

// A CommonJS program as step 1 of scripts/bundle.mjs makes them: module.exports, require, __bundleMeta.
const SOURCE = `"use strict";
const { sep } = require('node:path');
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
module.exports.run = () => ({ fib: fib(20), sep, url: __bundleMeta.url });
` + Array.from({ length: 200 }, (_, i) => `function lazy${i}(x) { return x * ${i} + ${i}; }\n`).join('')
const ID = createHash('sha256').update(SOURCE).digest('hex')

let n = 0
/** A fresh bundle path in its own directory (so each test has its own cache file). */
function bundlePath(): string {
  const dir = join(work, `b${n++}`)
  mkdirSync(dir)
  return join(dir, 'dockerd-autonet.mjs')
}
function dirOf(p: string): string { return join(p, '..') }

/** Compile and run the program as bundle-entry.ts does; the program's result. */
function runProgram(p: CachedProgram): unknown {
  const module = { exports: {} as { run(): unknown } }
  p.fn(module, module.exports, createRequire(import.meta.url), { url: 'file:///bundle.mjs' })
  return module.exports.run()
}
const EXPECTED = { fib: 6765, sep: '/', url: 'file:///bundle.mjs' }

t.test('beside the bundle; the wrapper takes the names step 1 of the bundle gives the program', async (t) => {
  t.equal(codeCachePath('/usr/local/lib/dockerd-autonet/dockerd-autonet.mjs'), '/usr/local/lib/dockerd-autonet/dockerd-autonet.mjs.v8cache')
  t.same(PROGRAM_PARAMS, ['module', 'exports', 'require', '__bundleMeta'])
  t.match(readFileSync(new URL('../../scripts/bundle.mjs', import.meta.url), 'utf8'), "define: { 'import.meta': PROGRAM_PARAMS[3] }", 'bundle.mjs takes the name from here')
})

t.test('no cache: compiled from source and written; the next start uses it and writes nothing', async (t) => {
  const bundle = bundlePath()
  const cache = codeCachePath(bundle)
  const first = loadCachedProgram(SOURCE, bundle, cache, ID)
  t.equal(first.cache, 'missing')
  t.same(runProgram(first), EXPECTED)
  t.equal(saveCodeCache(first, cache, ID), true, 'written')
  const bytes = readFileSync(cache)
  t.equal(bytes.subarray(0, cacheHeader(ID).length).toString(), `dockerd-autonet-v8-code-cache ${ID}\n`, 'the header names the program')
  t.ok(bytes.length > cacheHeader(ID).length + 100, 'V8 data after it')
  t.same(readdirSync(dirOf(bundle)).sort(), ['dockerd-autonet.mjs.v8cache'], 'no temp file left')
  t.equal((statSync(cache).mode & 0o777).toString(8), '644')

  const second = loadCachedProgram(SOURCE, bundle, cache, ID)
  t.equal(second.cache, 'accepted', 'V8 took the cached data')
  t.same(runProgram(second), EXPECTED)
  const before = statSync(cache)
  t.equal(saveCodeCache(second, cache, ID), false, 'an accepted cache is not written again')
  t.equal(statSync(cache).mtimeMs, before.mtimeMs)
  t.equal(statSync(cache).ino, before.ino)
})

/** A bundle whose cache file holds `bytes`, loaded once: the result and what saving did. */
function withCacheFile(bytes: Buffer) {
  const bundle = bundlePath()
  const cache = codeCachePath(bundle)
  writeFileSync(cache, bytes)
  const p = loadCachedProgram(SOURCE, bundle, cache, ID)
  const result = runProgram(p)
  const saved = saveCodeCache(p, cache, ID)
  const again = loadCachedProgram(SOURCE, bundle, cache, ID)
  return { p, result, saved, again, cache }
}

/** A good cache for SOURCE (header and V8 data). */
function goodCache(): Buffer {
  const bundle = bundlePath()
  const p = loadCachedProgram(SOURCE, bundle, codeCachePath(bundle), ID)
  runProgram(p)
  saveCodeCache(p, codeCachePath(bundle), ID)
  return readFileSync(codeCachePath(bundle))
}

t.test('a cache of another build (header names another sha256): rejected, runs, replaced', async (t) => {
  const other = createHash('sha256').update('another build').digest('hex')
  const good = goodCache()
  const { p, result, saved, again, cache } = withCacheFile(Buffer.concat([Buffer.from(cacheHeader(other)), good.subarray(cacheHeader(ID).length)]))
  t.equal(p.cache, 'rejected', 'not handed to V8, whose own check is the source length only')
  t.same(result, EXPECTED)
  t.equal(saved, true, 'rewritten')
  t.ok(readFileSync(cache).subarray(0, cacheHeader(ID).length).equals(Buffer.from(cacheHeader(ID))), 'now with this build\'s header')
  t.equal(again.cache, 'accepted')
})

t.test('corrupt V8 data after a right header: V8 rejects it, the program runs, the file is replaced', async (t) => {
  const good = goodCache()
  const bad = Buffer.from(good)
  for (let i = cacheHeader(ID).length; i < bad.length; i++) bad[i] = (bad[i] * 7 + 13) & 0xff
  const { p, result, saved, again } = withCacheFile(bad)
  t.equal(p.cache, 'rejected')
  t.same(result, EXPECTED)
  t.equal(saved, true)
  t.equal(again.cache, 'accepted')
})

t.test('truncated files: rejected, the program runs, the file is replaced', async (t) => {
  const good = goodCache()
  for (const len of [0, 10, cacheHeader(ID).length, cacheHeader(ID).length + 40, good.length - 1]) {
    const { p, result, saved, again } = withCacheFile(good.subarray(0, len))
    t.equal(p.cache, 'rejected', `${len} of ${good.length} bytes: rejected`)
    t.same(result, EXPECTED)
    t.equal(saved, true)
    t.equal(again.cache, 'accepted')
  }
})

t.test('an oversized file is not read: rejected, replaced by a cache of normal size', async (t) => {
  const bundle = bundlePath()
  const cache = codeCachePath(bundle)
  writeFileSync(cache, goodCache())
  truncateSync(cache, MAX_CACHE_BYTES + 1) // sparse: the good cache, then zeros
  const p = loadCachedProgram(SOURCE, bundle, cache, ID)
  t.equal(p.cache, 'rejected')
  t.same(runProgram(p), EXPECTED)
  t.equal(saveCodeCache(p, cache, ID), true)
  t.ok(statSync(cache).size < 1024 * 1024, 'replaced')
})

t.test('not a regular file in its place: a FIFO does not hold the start, a directory is left alone', async (t) => {
  const bundle = bundlePath()
  const cache = codeCachePath(bundle)
  execFileSync('mkfifo', [cache])
  // A writer after 2 s, so that a blocking open would fail this test instead of hanging it.
  const writer = spawn('timeout', ['5', 'sh', '-c', `sleep 2; echo x > '${cache}'`], { stdio: 'ignore' })
  t.teardown(() => { writer.kill() })
  const started = Date.now()
  const p = loadCachedProgram(SOURCE, bundle, cache, ID)
  t.ok(Date.now() - started < 1000, 'returned at once (a blocking open would wait for a writer forever)')
  t.equal(p.cache, 'rejected')
  t.same(runProgram(p), EXPECTED)
  t.equal(saveCodeCache(p, cache, ID), true, 'replaced by a regular file')
  t.ok(statSync(cache).isFile())

  const other = bundlePath()
  mkdirSync(codeCachePath(other))
  const q = loadCachedProgram(SOURCE, other, codeCachePath(other), ID)
  t.same(runProgram(q), EXPECTED)
  t.equal(saveCodeCache(q, codeCachePath(other), ID), false, 'a directory is not replaced')
  t.ok(statSync(codeCachePath(other)).isDirectory())
})

t.test('a directory that cannot be written: the program runs, saving says false and throws nothing', async (t) => {
  // Root writes through mode bits, so the unwritable places are a file as parent (ENOTDIR) and
  // a directory that does not exist.
  const file = join(work, 'a-file')
  writeFileSync(file, 'x')
  for (const cache of [join(file, 'dockerd-autonet.mjs.v8cache'), join(work, 'nowhere', 'dockerd-autonet.mjs.v8cache')]) {
    const p = loadCachedProgram(SOURCE, '/x/dockerd-autonet.mjs', cache, ID)
    t.equal(p.cache, 'missing')
    t.same(runProgram(p), EXPECTED)
    t.equal(saveCodeCache(p, cache, ID), false, `${cache}: not written`)
    let produced = false
    const spy = { ...p, script: { createCachedData: () => { produced = true; return p.script.createCachedData() } } } as unknown as CachedProgram
    t.equal(saveCodeCache(spy, cache, ID), false)
    t.notOk(produced, 'the cached data is not even produced')
  }
  t.notOk(existsSync(join(work, 'nowhere')))
})

t.test('two first starts: the first writer wins, the second writes nothing', async (t) => {
  const bundle = bundlePath()
  const cache = codeCachePath(bundle)
  const a = loadCachedProgram(SOURCE, bundle, cache, ID)
  const b = loadCachedProgram(SOURCE, bundle, cache, ID)
  runProgram(a)
  runProgram(b)
  t.equal(saveCodeCache(a, cache, ID), true)
  const ino = statSync(cache).ino
  t.equal(saveCodeCache(b, cache, ID), false, 'the cache that appeared meanwhile stays')
  t.equal(statSync(cache).ino, ino)
  t.same(readdirSync(dirOf(bundle)), ['dockerd-autonet.mjs.v8cache'], 'no temp file left')
})

t.test('a program that does not compile throws (a build bug), whatever the cache', async (t) => {
  const bundle = bundlePath()
  t.throws(() => loadCachedProgram('this is not JavaScript', bundle, codeCachePath(bundle), ID), SyntaxError)
})
