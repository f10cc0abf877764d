/**
 * The one-file bundle (scripts/bundle.mjs) the images ship: self-contained, executable through
 * a symlink as the images call it, the same program as the tsc build, and started from the V8
 * code cache it writes beside itself.
 */
import t from 'tap'
import { execa } from 'execa'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { codeCachePath } from '../../src/launch/code-cache.js'
import { bigDaemonJson, throughSlowPipe } from '../helpers/slow-pipe.js'
import { buildBundle, NO_CHANGES, REPO, STUB_VERSION } from './lib/image-tree.js'

const work = mkdtempSync(join(tmpdir(), 'autonet-bundle-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
let bundle = ''
// A directory with no node_modules above it: what the bundle imports must be inside it.
const alone = mkdtempSync(join(tmpdir(), 'autonet-alone-'))
t.teardown(() => rmSync(alone, { recursive: true, force: true }))
const stub = join(work, 'dockerd')
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }

t.before(async () => {
  bundle = await buildBundle(work)
  copyFileSync(bundle, join(alone, 'dockerd-autonet.mjs'))
  chmodSync(join(alone, 'dockerd-autonet.mjs'), statSync(bundle).mode)
  symlinkSync(join(alone, 'dockerd-autonet.mjs'), join(alone, 'dockerd-autonet'))
  writeFileSync(stub, `#!/bin/sh\necho "Docker version ${STUB_VERSION}, build 0000000"\n`, { mode: 0o755 })
})

const run = (cmd: string, args: string[]) =>
  execa(cmd, args, { cwd: alone, reject: false, stdin: 'ignore', env: NO_CHANGES, timeout: 60_000 })

t.test('one executable file with a node shebang, runnable by a symlink without .mjs', async (t) => {
  t.match(readFileSync(bundle, 'utf8'), /^#!\/usr\/bin\/env node\n/)
  t.ok(statSync(bundle).mode & 0o111, 'executable (the images COPY it as is)')
  const r = await run(join(alone, 'dockerd-autonet'), ['--version'])
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.equal(r.stdout, `dockerd-autonet ${version}`, '--version outside the package layout')
})

t.test('help and a subcommand work from the copy (yargs is inside)', async (t) => {
  const help = await run('node', [join(alone, 'dockerd-autonet.mjs'), '--help'])
  t.equal(help.exitCode, 0, 'exits 0', { stderr: help.stderr })
  t.match(help.stdout, /^Usage:/)
  const bad = await run('node', [join(alone, 'dockerd-autonet.mjs'), 'plan', '--no-such-option'])
  t.equal(bad.exitCode, 2, 'a yargs usage error is a usage error', { stderr: bad.stderr })
})

t.test('the bundle plans exactly what the tsc build plans', async (t) => {
  const args = [`--autonet-exec=${stub}`, 'plan', '--json', '--', '-H', 'fd://', '--mtu', '1400']
  const fromBundle = await run('node', [join(alone, 'dockerd-autonet.mjs'), ...args])
  const fromTsc = await run('node', [join(REPO, 'bin/dockerd-autonet.js'), ...args])
  t.equal(fromBundle.exitCode, fromTsc.exitCode, 'same exit code', { stderr: fromBundle.stderr })
  t.same(JSON.parse(fromBundle.stdout), JSON.parse(fromTsc.stdout))
})

t.test('run mode execs the program with the planned flags', async (t) => {
  const r = await run('node', [join(alone, 'dockerd-autonet.mjs'), '--autonet-dry-run', `--autonet-exec=${stub}`, '--debug'])
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.match(r.stdout, new RegExp(`^command: +${stub} --debug`, 'm'))
})

t.test('snapshot of 300 KB into a pipe read after 1 s comes out whole (src/launch/exit.ts; was cut at 64 KiB)', async (t) => {
  const config = bigDaemonJson(t.testdir({}))
  const r = await throughSlowPipe(['node', join(alone, 'dockerd-autonet.mjs'), `--autonet-exec=${stub}`, 'snapshot', '--', `--config-file=${config.path}`],
    { ...NO_CHANGES, PATH: process.env.PATH ?? '' })
  t.equal(r.exitCode, 0, r.stderr)
  t.ok(r.stdout.length > 200_000, `${r.stdout.length} bytes, well past 64 KiB`)
  t.same((JSON.parse(r.stdout.toString()) as { daemon_json: { labels: string[] } }).daemon_json.labels, config.labels)
})

t.test('third-party notices travel with the bundle', async (t) => {
  const notices = readFileSync(`${bundle}.LICENSES.txt`, 'utf8')
  for (const pkg of ['yargs', 'yargs-parser']) {
    const { version: v } = JSON.parse(readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }
    t.match(notices, `\n${pkg}@${v} (`, `${pkg} ${v} is listed`)
  }
  t.match(notices, /Permission is hereby granted/, 'license texts, not just names')
})

/** The sha256 the bundle's entry names its program by (written in at build time). */
function programId(file: string): string {
  const ids = [...readFileSync(file, 'utf8').matchAll(/saveCodeCache\(loaded, cachePath, "([0-9a-f]{64})"\)/g)].map((m) => m[1])
  if (ids.length !== 1) throw new Error(`${file}: no program sha256 found`)
  return ids[0]
}

t.test('the build leaves the code cache beside the bundle, made for this build', async (t) => {
  const cache = readFileSync(codeCachePath(bundle))
  const header = `dockerd-autonet-v8-code-cache ${programId(bundle)}\n`
  t.equal(cache.subarray(0, header.length).toString(), header, 'the header names the embedded program')
  t.ok(cache.length > header.length + 50_000, `V8 data after it (${cache.length} bytes)`)
})

t.test('a copy with no cache writes one at its first start, then starts from it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'autonet-cache-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const copy = join(dir, 'dockerd-autonet.mjs')
  copyFileSync(bundle, copy)
  const cache = codeCachePath(copy)
  const start = () => execa('node', [copy, '--autonet-dry-run', `--autonet-exec=${stub}`, '--autonet-dockerd-version=28.5.2', '--debug'],
    { cwd: dir, reject: false, stdin: 'ignore', env: NO_CHANGES, timeout: 60_000 })
  const first = await start()
  t.equal(first.exitCode, 0, 'first start exits 0', { stderr: first.stderr })
  t.match(first.stdout, new RegExp(`^command: +${stub} --debug`, 'm'))
  t.ok(existsSync(cache), 'the cache is written')
  const written = statSync(cache)
  const second = await start()
  t.equal(second.exitCode, 0, { stderr: second.stderr })
  t.equal(second.stdout, first.stdout, 'the same output from the cache')
  t.same([statSync(cache).ino, statSync(cache).mtimeMs], [written.ino, written.mtimeMs], 'V8 accepted it: not written again')
  const v = await execa('node', [copy, '--version'], { cwd: dir, reject: false, env: NO_CHANGES, timeout: 60_000 })
  t.equal(v.stdout, `dockerd-autonet ${version}`, '--version from the cache', { stderr: v.stderr })

  // Another build's cache (its header names another program) is replaced at the next start.
  const data = readFileSync(cache)
  const id = programId(copy)
  writeFileSync(cache, Buffer.concat([Buffer.from(`dockerd-autonet-v8-code-cache ${'0'.repeat(64)}\n`), data.subarray(`dockerd-autonet-v8-code-cache ${id}\n`.length)]))
  const third = await start()
  t.equal(third.exitCode, 0, { stderr: third.stderr })
  t.equal(readFileSync(cache).subarray(0, 95).toString(), `dockerd-autonet-v8-code-cache ${id}\n`, 'rewritten for this build')

  // Garbage where the cache is: the bundle starts all the same.
  writeFileSync(cache, 'not a cache')
  const fourth = await start()
  t.equal(fourth.exitCode, 0, { stderr: fourth.stderr })
  t.equal(fourth.stdout, first.stdout)
  t.equal(fourth.stderr, first.stderr, 'and says nothing about it')
})

t.test('the entry loads only what it needs before the program (no node:crypto: the sha256 is written in)', async (t) => {
  // The entry is what comes before the program's comment (src/launch/embedded-program.ts).
  const text = readFileSync(bundle, 'latin1')
  const imports = [...new Set([...text.slice(0, text.lastIndexOf('/*\u0002\n')).matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]))].sort()
  t.same(imports, ['node:fs', 'node:module', 'node:url', 'node:vm'])
})
