/**
 * `dockerd-autonet install` / `uninstall` for real, with the bundle the images ship, on stub
 * image trees in temp directories (`--root`): the output naming each change, the check through
 * the shim, idempotence, and uninstall restoring the tree byte for byte (every path's type,
 * permission bits, owner, content hash and mtime, link targets). Nothing outside the temp
 * trees is touched; no dockerd starts (the real one is a stub, the check asks only --version).
 */
import t from 'tap'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ApplyError, applyChanges } from '../../src/install/apply.js'
import { buildBundle, IMAGE_INSTALL_ARGS, type Layout, LAYOUTS, makeBaseTree, PATHS, STUB_VERSION } from '../image/lib/image-tree.js'
import { execa } from 'execa'
import { hashTree } from './lib/hash-tree.js'

let bundle = ''
const work = mkdtempSync(join(tmpdir(), 'autonet-install-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
t.before(async () => {
  bundle = await buildBundle(work)
})

const argsFor = (layout: Layout) => layout === 'dind' || layout === 'drone' ? IMAGE_INSTALL_ARGS[layout] : []

for (const layout of Object.keys(LAYOUTS) as Layout[]) {
  t.test(`${layout}: install names its changes and checks them; again: nothing; uninstall: byte for byte as before`, async (t) => {
    const tree = makeBaseTree(layout, bundle)
    t.teardown(tree.remove)
    const before = hashTree(tree.root)
    const first = await tree.autonet('install', argsFor(layout))
    t.equal(first.exitCode, 0, 'install exits 0', { stderr: first.stderr })
    const changed = first.stdout.split('\n').filter((l) => l.startsWith('changed: '))
    t.ok(changed.length >= 3, `names each change (${changed.length})`)
    const record = JSON.parse(readFileSync(tree.at(PATHS.manifest), 'utf8')) as { shim: string, real: string, changes: unknown[] }
    t.equal(changed.length, record.changes.length + 1, 'one line per recorded change, plus the record itself')
    t.ok(first.stdout.split('\n').includes(`checked: dockerd --version through ${record.shim}: Docker version ${STUB_VERSION}, build 0000000`),
      'the check through the shim got the stub\'s version', { stdout: first.stdout })
    t.match(readFileSync(tree.at(record.shim), 'utf8'), new RegExp(`^real=${record.real}$`, 'm'), 'the shim names the real dockerd')
    const installed = hashTree(tree.root)
    t.not(installed.join('\n'), before.join('\n'), 'the tree changed')

    const second = await tree.autonet('install', argsFor(layout))
    t.equal(second.exitCode, 0, 'a second install exits 0', { stderr: second.stderr })
    t.notMatch(second.stdout, /^changed: /m, 'and changes nothing')
    t.match(second.stdout, /^already installed: .*; nothing changed$/m, 'and says so')
    t.same(hashTree(tree.root), installed, 'the tree is as the first install left it')

    const un = await tree.autonet('uninstall')
    t.equal(un.exitCode, 0, 'uninstall exits 0', { stderr: un.stderr })
    t.equal(un.stdout.split('\n').filter((l) => l.startsWith('changed: ')).length, record.changes.length + 1, 'names each change it undoes')
    t.same(hashTree(tree.root), before, 'byte for byte as before install (types, modes, owners, contents, mtimes, link targets)')
    const again = await tree.autonet('uninstall')
    t.equal(again.exitCode, 0)
    t.match(again.stdout, /^not installed \(no .*install\.json\); nothing changed$/m)
  })
}

t.test('the check fails (the wrapper cannot run): the changes are undone, exit 1, the shim named', async (t) => {
  const tree = makeBaseTree('debian-docker-ce', bundle)
  t.teardown(tree.remove)
  chmodSync(tree.at(PATHS.bundle), 0o644) // the shim then starts dockerd without us
  const before = hashTree(tree.root)
  const r = await tree.autonet('install')
  t.equal(r.exitCode, 1, { stdout: r.stdout })
  t.match(r.stderr, /^dockerd-autonet: error: the shim \/usr\/bin\/dockerd bypassed dockerd-autonet: dockerd shim: .*dockerd-autonet or node is missing/m)
  t.match(r.stderr, /^dockerd-autonet: error: install did not take: its 7 change\(s\) were undone$/m)
  t.same(hashTree(tree.root), before, 'the tree is as before')
})

t.test('bad input: exit 2, the path named, nothing changed', async (t) => {
  const tree = makeBaseTree('debian-docker-ce', bundle)
  t.teardown(tree.remove)
  const before = hashTree(tree.root)
  const cases: [string[], RegExp][] = [
    [['--dockerd=/usr/sbin/dockerd'], /^dockerd-autonet: error: \/usr\/sbin\/dockerd is missing, not the dockerd binary$/m],
    [['--path=/opt/bin'], /^dockerd-autonet: error: no dockerd in the image PATH \(\/opt\/bin\): give its path with --dockerd PATH/m],
    [['--mode=sideways'], /^dockerd-autonet: error: install: Invalid values:/m],
    [['extra'], /^dockerd-autonet: error: install: unexpected argument extra$/m],
    // yargs names an unknown option without its dashes ("Unknown argument: bogus"): named as typed.
    [['--bogus=1'], /^dockerd-autonet: error: install: unknown option --bogus$/m],
    [['--shim=/nonexistent/shim.sh'], /^dockerd-autonet: error: --shim \/nonexistent\/shim\.sh: ENOENT/m],
  ]
  for (const [args, message] of cases) {
    const r = await tree.autonet('install', args)
    t.equal(r.exitCode, 2, `install ${args.join(' ')}: exit 2`)
    t.match(r.stderr, message)
  }
  t.same(hashTree(tree.root), before, 'nothing changed')
  const noRoot = await tree.autonet('install', ['--root', join(tree.root, 'nope')])
  t.equal(noRoot.exitCode, 2)
  t.match(noRoot.stderr, /--root .*\/nope: not a directory/)
})

t.test('uninstall after someone edited the shim: exit 2, the shim named, nothing undone', async (t) => {
  const tree = makeBaseTree('arc-runner-dind', bundle)
  t.teardown(tree.remove)
  t.equal((await tree.autonet('install')).exitCode, 0)
  writeFileSync(tree.at('/usr/bin/dockerd'), readFileSync(tree.at('/usr/bin/dockerd'), 'utf8') + '# edited\n')
  const edited = hashTree(tree.root)
  const r = await tree.autonet('uninstall')
  t.equal(r.exitCode, 2)
  t.match(r.stderr, /^dockerd-autonet: error: \/usr\/bin\/dockerd changed since install \(its content is not what install wrote\); nothing was undone/m)
  t.same(hashTree(tree.root), edited)
})

t.test('install --help and the top-level help name install and uninstall', async (t) => {
  const tree = makeBaseTree('dind', bundle)
  t.teardown(tree.remove)
  const help = await tree.autonet('install', ['--help'])
  t.equal(help.exitCode, 0)
  t.match(help.stdout, /^Usage: dockerd-autonet install \[--root DIR\] \[--dockerd PATH\] \[--mode replace\|path\]/)
  t.match(help.stdout, /Exit codes: 0 done or nothing to do; 1 it did not take/)
  const top = await tree.run(['node', tree.at(PATHS.bundle), '--help'])
  t.match(top.stdout, /dockerd-autonet install \[--dockerd PATH\]/)
  t.match(top.stdout, /dockerd-autonet uninstall \[--root DIR\]/)
})

t.test('applyChanges: a failing change undoes the ones before it, newest first', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'autonet-apply-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'keep'))
  const before = hashTree(root)
  t.throws(() => applyChanges(root, [
    { op: 'mkdir', path: '/a', reason: 'created /a' },
    { op: 'write', path: '/a/f', text: 'x', mode: 0o600, previous: null, reason: 'wrote /a/f' },
    { op: 'move', from: '/missing', to: '/a/g', reason: 'moved /missing' },
  ]), new ApplyError('moved /missing: failed: ' + `ENOENT: no such file or directory, rename '${root}/missing' -> '${root}/a/g'` + '; the 2 change(s) before it were undone'))
  t.same(hashTree(root), before)
  t.throws(() => applyChanges(root, [{ op: 'write', path: '/keep', text: 'x', mode: 0o644, previous: null, reason: 'wrote /keep' }]),
    /^wrote \/keep: failed: EEXIST.*; nothing had been changed$/, 'a write to a path that appeared since planning does not clobber it')
})

t.test('a dry run of install and uninstall names the planned changes and changes nothing (flag anywhere, or the variable)', async (t) => {
  const tree = makeBaseTree('debian-docker-ce', bundle)
  t.teardown(tree.remove)
  const before = hashTree(tree.root)
  const after = await tree.autonet('install', ['--autonet-dry-run'])
  t.equal(after.exitCode, 0, 'our option after the subcommand word is accepted', { stderr: after.stderr })
  t.ok(after.stdout.split('\n').filter((l) => l.startsWith('would change: ')).length >= 3, 'names each planned change', { stdout: after.stdout })
  t.notMatch(after.stdout, /^(changed|checked): /m, 'changes and checks nothing')
  t.same(hashTree(tree.root), before, 'install --autonet-dry-run: the tree is untouched')
  const lead = await execa('node', [tree.at(PATHS.bundle), '--autonet-dry-run', 'install', '--root', tree.root], { reject: false, stdin: 'ignore', timeout: 60_000 })
  t.equal(lead.exitCode, 0, 'before the subcommand word too', { stderr: lead.stderr })
  t.same(hashTree(tree.root), before, '--autonet-dry-run install: the tree is untouched')

  t.equal((await tree.autonet('install')).exitCode, 0, 'a real install')
  const installed = hashTree(tree.root)
  const un = await execa('node', [tree.at(PATHS.bundle), 'uninstall', '--root', tree.root], { reject: false, stdin: 'ignore', timeout: 60_000, env: { DOCKERD_AUTONET_DRY_RUN: '1' } })
  t.equal(un.exitCode, 0, 'DOCKERD_AUTONET_DRY_RUN=1 uninstall exits 0', { stderr: un.stderr })
  t.match(un.stdout, /^would change: /m, 'names what it would undo')
  t.same(hashTree(tree.root), installed, 'DOCKERD_AUTONET_DRY_RUN=1 uninstall: the tree is untouched')
})
