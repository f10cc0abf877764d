/**
 * The npm package as a user gets it: `npm pack` (its prepack and prepare scripts included) in a
 * copy of the repository, the tarball's file list, then a global install into a temp prefix
 * and `dockerd-autonet plan` from a clean folder, with no TypeScript anywhere near it.
 *
 * The install fetches yargs (and its dependencies) through npm's cache first (`npm ci` filled
 * it); only a miss reaches the registry. Each npm call is bounded.
 */
import t from 'tap'
import { execa } from 'execa'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NO_CHANGES, REPO } from './lib/image-tree.js'

const work = mkdtempSync(join(tmpdir(), 'autonet-pack-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string, version: string }
const copy = join(work, 'repo')
const prefix = join(work, 'prefix')
const clean = join(work, 'clean')
let tarball = ''

t.before(async () => {
  // A copy, so that prepack's clean-up and prepare's build never touch this checkout's dist/.
  mkdirSync(copy)
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'bin', 'src', 'scripts', 'image']) {
    cpSync(join(REPO, f), join(copy, f), { recursive: true })
  }
  // A stale file that no source produces: the tarball must not carry it.
  mkdirSync(join(copy, 'dist', 'gone'), { recursive: true })
  cpSync(join(REPO, 'package.json'), join(copy, 'dist', 'gone', 'stale.js'))
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'))
  const r = await execa('npm', ['pack', '--json'], { cwd: copy, timeout: 180_000 })
  tarball = join(copy, (JSON.parse(r.stdout) as { filename: string }[])[0].filename)
})

t.test('the tarball holds the built program and nothing from the work tree', async (t) => {
  const r = await execa('tar', ['-tzf', tarball])
  const files = r.stdout.split('\n').map((f) => f.replace(/^package\//, '')).sort()
  for (const f of ['package.json', 'README.md', 'bin/dockerd-autonet.js', 'dist/cli/main.js', 'dist/cli/invocation.js', 'dist/plan/plan.js', 'dist/read/machine-state.js', 'dist/apply/exec-dockerd.js']) {
    t.ok(files.includes(f), `has ${f}`)
  }
  t.same(files.filter((f) => !/^(bin|dist)\//.test(f)), ['LICENSE', 'README.md', 'image/dockerd-shim.sh', 'package.json'], 'nothing outside bin/ and dist/ but LICENSE (npm adds it), README, package.json and the shim template (for install)')
  t.same(files.filter((f) => f.endsWith('.map') || f.endsWith('.ts') || f.includes('dockerd-autonet.mjs') || f.includes('/gone/')), [],
    'no source maps, no TypeScript, no bundle, no stale build output')
  t.same(files.filter((f) => f.startsWith('dist/launch/')), ['dist/launch/crash.js', 'dist/launch/exit.js', 'dist/launch/program.js'],
    'of dist/launch/ only what the npm bin runs (the bundle\'s entry, its embedded program and its code cache are the bundle\'s)')
  const shebang = await execa('tar', ['-xzOf', tarball, 'package/bin/dockerd-autonet.js'])
  t.match(shebang.stdout, /^#!\/usr\/bin\/env node\n/)
})

t.test('global install from the tarball, then plan in a clean folder', async (t) => {
  const install = await execa('npm', ['install', '--global', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: work, reject: false, timeout: 240_000, stdin: 'ignore' })
  t.equal(install.exitCode, 0, 'npm install -g exits 0', { stderr: install.stderr })
  const installed = join(prefix, 'lib', 'node_modules', pkg.name)
  t.notOk(readdirSync(installed).includes('src'), 'no sources installed')
  t.notOk(readdirSync(join(installed, 'node_modules')).includes('typescript'), 'no TypeScript installed (dist/ is shipped, prepare does not run)')
  mkdirSync(clean)
  const bin = join(prefix, 'bin', 'dockerd-autonet')
  const version = await execa(bin, ['--version'], { cwd: clean, reject: false })
  t.equal(version.stdout, `dockerd-autonet ${pkg.version}`, '--version', { stderr: version.stderr })
  const plan = await execa(bin, ['plan', '--json'], { cwd: clean, reject: false, env: NO_CHANGES, timeout: 60_000 })
  t.ok(plan.exitCode === 0 || plan.exitCode === 1, 'plan runs (0, or 1 for a plan with an error)', { stderr: plan.stderr })
  t.match(JSON.parse(plan.stdout), { args: Array, reasons: Array, actions: Array })
})

t.test('install from the global install: the shim template travels in the package', async (t) => {
  // A stub tree: Debian's /usr/bin/dockerd (a stub that answers --version) and the npm bin as
  // the command the shim runs. install --root works on the tree only.
  const tree = join(work, 'tree')
  mkdirSync(join(tree, 'usr/bin'), { recursive: true })
  mkdirSync(join(tree, 'usr/local/bin'), { recursive: true })
  writeFileSync(join(tree, 'usr/bin/dockerd'), '#!/bin/sh\necho "Docker version 29.7.2, build 0000000"\n', { mode: 0o755 })
  symlinkSync(join(prefix, 'bin', 'dockerd-autonet'), join(tree, 'usr/local/bin/dockerd-autonet'))
  const bin = join(prefix, 'bin', 'dockerd-autonet')
  const r = await execa(bin, ['install', '--root', tree], { cwd: clean, reject: false, env: NO_CHANGES, timeout: 60_000 })
  t.equal(r.exitCode, 0, 'install exits 0', { stderr: r.stderr })
  t.match(r.stdout, /^checked: dockerd --version through \/usr\/bin\/dockerd: Docker version 29\.7\.2, build 0000000$/m)
  const un = await execa(bin, ['uninstall', '--root', tree], { cwd: clean, reject: false, env: NO_CHANGES, timeout: 60_000 })
  t.equal(un.exitCode, 0, 'uninstall exits 0', { stderr: un.stderr })
  t.equal(readFileSync(join(tree, 'usr/bin/dockerd'), 'utf8').split('\n')[1], 'echo "Docker version 29.7.2, build 0000000"', 'the stub is back')
})

t.test('from a checkout after npm ci (the README\'s other way): npm install -g . links the command', async (t) => {
  const linked = join(work, 'prefix-link')
  const install = await execa('npm', ['install', '--global', '--prefix', linked, '.', '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: copy, reject: false, timeout: 240_000, stdin: 'ignore' })
  t.equal(install.exitCode, 0, 'npm install -g . exits 0', { stderr: install.stderr })
  const version = await execa(join(linked, 'bin', 'dockerd-autonet'), ['--version'], { cwd: work, reject: false })
  t.equal(version.stdout, `dockerd-autonet ${pkg.version}`, '--version through the link', { stderr: version.stderr })
})
