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
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
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
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'bin', 'src', 'scripts']) {
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
  for (const f of ['package.json', 'README.md', 'bin/dockerd-autonet.js', 'dist/cli/main.js', 'dist/cli/route.js', 'dist/plan/plan.js', 'dist/read/machine-state.js', 'dist/apply/exec-dockerd.js']) {
    t.ok(files.includes(f), `has ${f}`)
  }
  t.same(files.filter((f) => !/^(bin|dist)\//.test(f)), ['README.md', 'package.json'], 'nothing outside bin/ and dist/ but README and package.json')
  t.same(files.filter((f) => f.endsWith('.map') || f.endsWith('.ts') || f.includes('dockerd-autonet.mjs') || f.includes('/gone/')), [],
    'no source maps, no TypeScript, no bundle, no stale build output')
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
