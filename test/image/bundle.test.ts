/**
 * The one-file bundle (scripts/bundle.mjs) the images ship: self-contained, executable through
 * a symlink as the images call it, and the same program as the tsc build.
 */
import t from 'tap'
import { execa } from 'execa'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

t.test('third-party notices travel with the bundle', async (t) => {
  const notices = readFileSync(`${bundle}.LICENSES.txt`, 'utf8')
  for (const pkg of ['yargs', 'yargs-parser']) {
    const { version: v } = JSON.parse(readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }
    t.match(notices, `\n${pkg}@${v} (`, `${pkg} ${v} is listed`)
  }
  t.match(notices, /Permission is hereby granted/, 'license texts, not just names')
})
