/**
 * planInstall / planUninstall on in-memory trees: which changes, in which order, with which
 * shim text, and the errors that name the path at fault.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Entry, inverse, sha256, type TreeView } from '../../src/install/changes.js'
import { LIBEXEC_DIR, MANIFEST, MOVED_DOCKERD, STANDARD_PATH, WRAPPER, BUNDLE } from '../../src/install/layout.js'
import { InstallError, type InstallOptions, parseManifest, planInstall, planUninstall } from '../../src/install/plan-install.js'
import { isShim, rebaseShim, SHIM_HEAD_BYTES, shimFor, shimReal, ShimError } from '../../src/install/shim.js'
import { REPO } from '../image/lib/image-tree.js'

const TEMPLATE = readFileSync(join(REPO, 'image/dockerd-shim.sh'), 'utf8')
const BINARY = { type: 'file', mode: 0o755, size: 90_000_000, head: '\x7fELF\x02\x01\x01', text: null } as const

/** A tree from image path → entry; directories named in `dirs`, every ancestor of a file implied. */
function view(files: Record<string, Entry>, dirs: string[] = []): TreeView & { files: Record<string, Entry> } {
  const all: Record<string, Entry> = { ...files }
  for (const p of [...Object.keys(files), ...dirs]) {
    const parts = p.split('/').filter(Boolean)
    for (let i = 1; i < (dirs.includes(p) ? parts.length + 1 : parts.length); i++) all['/' + parts.slice(0, i).join('/')] ??= { type: 'dir', mode: 0o755 }
  }
  return { files: all, entry: (p) => all[p] ?? { type: 'missing' } }
}

t.test('the shim fits in the start of a file that tells a shim (SHIM_HEAD_BYTES): its mark is near its end', async (t) => {
  const shim = shimFor(TEMPLATE, '/usr/bin/dockerd', 't')
  t.ok(Buffer.byteLength(shim) < SHIM_HEAD_BYTES, `${Buffer.byteLength(shim)} bytes < ${SHIM_HEAD_BYTES}`)
  t.ok(isShim(shim.slice(0, SHIM_HEAD_BYTES)))
})

const opts = (o: Partial<InstallOptions> = {}): InstallOptions => ({
  mode: null, dockerd: null, path: STANDARD_PATH.split(':'), template: TEMPLATE, templateName: 'image/dockerd-shim.sh',
  wrapperTarget: BUNDLE, manifest: null, ...o,
})
const bundle = { type: 'file', mode: 0o755, size: 900_000, head: '#!/usr/bin/env node\n', text: null } as const

t.test('replace (default) on Debian\'s /usr/bin/dockerd: dirs, move, shim, wrapper link, record, in that order', async (t) => {
  const tree = view({ '/usr/bin/dockerd': BINARY, [BUNDLE]: bundle }, ['/usr/local/bin'])
  const plan = planInstall(tree, opts())
  t.equal(plan.mode, 'replace')
  t.equal(plan.shim, '/usr/bin/dockerd')
  t.equal(plan.real, MOVED_DOCKERD)
  t.same(plan.changes.map((c) => [c.op, 'path' in c ? c.path : `${c.from} -> ${c.to}`]), [
    ['mkdir', '/usr/local/libexec'],
    ['mkdir', LIBEXEC_DIR],
    ['move', `/usr/bin/dockerd -> ${MOVED_DOCKERD}`],
    ['write', '/usr/bin/dockerd'],
    ['symlink', WRAPPER],
    ['write', MANIFEST],
  ])
  const shim = plan.changes[3] as Extract<typeof plan.changes[number], { op: 'write' }>
  t.equal(shimReal(shim.text), MOVED_DOCKERD, 'the shim runs the moved binary')
  t.equal(shim.mode, 0o755)
  t.equal(shim.text, TEMPLATE.replace(/^real=.*$/m, `real=${MOVED_DOCKERD}`), 'the template with only real= changed')
  const link = plan.changes[4] as Extract<typeof plan.changes[number], { op: 'symlink' }>
  t.equal(link.target, '../lib/dockerd-autonet/dockerd-autonet.mjs', 'relative: right in the image and in a --root tree')
  const record = parseManifest((plan.changes[5] as Extract<typeof plan.changes[number], { op: 'write' }>).text)
  t.same(record.changes[3], { op: 'write', path: '/usr/bin/dockerd', sha256: sha256(shim.text), mode: 0o755 })
  t.equal(record.changes.length, 5, 'the record lists every change but itself')
  for (const c of plan.changes) t.match(c.reason, /\S/, `${c.op} has a reason`)
})

t.test('path mode on docker:dind: the shim in /usr/local/sbin, the binary stays, no move', async (t) => {
  const tree = view({ '/usr/local/bin/dockerd': BINARY, [BUNDLE]: bundle, [WRAPPER]: { type: 'symlink', target: BUNDLE } }, ['/usr/local/sbin'])
  const plan = planInstall(tree, opts({ mode: 'path' }))
  t.equal(plan.shim, '/usr/local/sbin/dockerd')
  t.equal(plan.real, '/usr/local/bin/dockerd')
  t.same(plan.changes.map((c) => c.op), ['mkdir', 'mkdir', 'write', 'write'], 'record dir, shim, record; an existing wrapper is kept')
  t.equal(shimReal((plan.changes[2] as { text: string }).text), '/usr/local/bin/dockerd')
  t.match(plan.changes[2].reason, /\/usr\/local\/sbin before \/usr\/local\/bin/)
})

t.test('path mode creates the first PATH directory when the image lacks it', async (t) => {
  const plan = planInstall(view({ '/usr/bin/dockerd': BINARY, [WRAPPER]: bundle }), opts({ mode: 'path' }))
  t.same(plan.changes.filter((c) => c.op === 'mkdir').map((c) => (c as { path: string }).path), ['/usr/local/libexec', LIBEXEC_DIR, '/usr/local/sbin'], '/usr/local exists (the wrapper is in it)')
  t.equal(plan.shim, '/usr/local/sbin/dockerd')
})

t.test('the first dockerd on PATH is taken, in PATH order', async (t) => {
  const plan = planInstall(view({ '/usr/sbin/dockerd': BINARY, '/usr/bin/dockerd': BINARY, [WRAPPER]: bundle }), opts())
  t.equal(plan.shim, '/usr/sbin/dockerd')
  t.equal(planInstall(view({ '/usr/sbin/dockerd': BINARY, '/usr/bin/dockerd': BINARY, [WRAPPER]: bundle }), opts({ dockerd: '/usr/bin/dockerd' })).shim, '/usr/bin/dockerd', '--dockerd wins')
})

t.test('a symlinked dockerd: the binary it points at is moved, the link stays (and reaches the shim)', async (t) => {
  const tree = view({ '/usr/bin/dockerd': { type: 'symlink', target: '../libexec/docker/dockerd' }, '/usr/libexec/docker/dockerd': BINARY, [WRAPPER]: bundle })
  const plan = planInstall(tree, opts())
  t.equal(plan.shim, '/usr/libexec/docker/dockerd')
  t.same(plan.changes.find((c) => c.op === 'move'), { op: 'move', from: '/usr/libexec/docker/dockerd', to: MOVED_DOCKERD, reason: `moved the real dockerd /usr/libexec/docker/dockerd to ${MOVED_DOCKERD}` })
})

t.test('errors name the path at fault and plan nothing', async (t) => {
  const err = (tree: TreeView, o: Partial<InstallOptions>) => {
    try {
      planInstall(tree, opts(o))
    } catch (e) {
      t.type(e, InstallError)
      return (e as Error).message
    }
    t.fail('no error')
    return ''
  }
  t.match(err(view({}), {}), /no dockerd in the image PATH \(\/usr\/local\/sbin:.*:\/bin\): give its path with --dockerd PATH/)
  t.match(err(view({ '/usr/bin/dockerd': { ...BINARY, mode: 0o644 } }), {}), /^\/usr\/bin\/dockerd is not executable \(mode 644\)/)
  t.match(err(view({}, ['/usr/bin/dockerd']), { dockerd: '/usr/bin/dockerd' }), /^\/usr\/bin\/dockerd is a directory, not the dockerd binary/)
  t.match(err(view({ '/usr/bin/dockerd': { type: 'symlink', target: 'gone' } }), {}), /^\/usr\/bin\/gone \(from \/usr\/bin\/dockerd\) is missing/)
  t.match(err(view({ '/a': { type: 'symlink', target: '/b' }, '/b': { type: 'symlink', target: '/a' } }), { dockerd: '/a' }), /more than 40 symbolic links/)
  t.match(err(view({ '/usr/bin/dockerd': BINARY }), { dockerd: 'dockerd' }), /--dockerd dockerd: give an absolute path/)
  const handMade = { type: 'file', mode: 0o755, size: 900, head: shimFor(TEMPLATE, '/x/dockerd', 't'), text: null } as const
  t.match(err(view({ '/usr/local/bin/dockerd': handMade }), {}), /^\/usr\/local\/bin\/dockerd is already a dockerd-autonet shim \(for \/x\/dockerd\), but .*install\.json does not record it/)
  t.match(err(view({ '/usr/bin/dockerd': BINARY, [MOVED_DOCKERD]: BINARY }), {}), new RegExp(`^${MOVED_DOCKERD} exists but`))
  t.match(err(view({ '/usr/local/sbin/dockerd': BINARY }), { mode: 'path' }), /--mode=path: \/usr\/local\/sbin\/dockerd is in PATH's first directory \/usr\/local\/sbin.*use --mode=replace/)
  t.match(err(view({ '/usr/bin/dockerd': BINARY }), { wrapperTarget: null }), /no \/usr\/local\/bin\/dockerd-autonet in the tree, and no dockerd-autonet program in it to link there: put the bundle \(dist\/dockerd-autonet.mjs\) at \/usr\/local\/lib\/dockerd-autonet\/dockerd-autonet.mjs in the tree first/)
  t.match(err(view({ '/usr/bin/dockerd': BINARY }, [WRAPPER]), {}), /\/usr\/local\/bin\/dockerd-autonet is a directory/)
})

t.test('a template that is not our shim is refused by name', async (t) => {
  t.throws(() => planInstall(view({ '/usr/bin/dockerd': BINARY, [WRAPPER]: bundle }), opts({ template: '#!/bin/sh\nexec dockerd "$@"\n', templateName: '/tmp/x.sh' })),
    new ShimError('/tmp/x.sh is not the dockerd-autonet shim (no line exec "$wrapper" "$real" "$@")'))
  t.throws(() => shimFor(TEMPLATE.replace(/^real=.*\n/m, ''), '/r', 'T'), /T has no real=PATH line/)
})

/** The tree after a plan's changes (enough of apply for the planner's own round trips). */
function applied(tree: ReturnType<typeof view>, changes: ReturnType<typeof planInstall>['changes']): ReturnType<typeof view> {
  const files = { ...tree.files }
  for (const c of changes) {
    if (c.op === 'mkdir') files[c.path] = { type: 'dir', mode: 0o755 }
    else if (c.op === 'rmdir' || c.op === 'unlink') delete files[c.path]
    else if (c.op === 'move') { files[c.to] = files[c.from]; delete files[c.from] }
    else if (c.op === 'write') files[c.path] = { type: 'file', mode: c.mode, size: c.text.length, head: c.text.slice(0, SHIM_HEAD_BYTES), text: c.text }
    else if (c.op === 'symlink') files[c.path] = { type: 'symlink', target: c.target }
  }
  return { files, entry: (p) => files[p] ?? { type: 'missing' } }
}
const manifestOf = (tree: TreeView) => parseManifest((tree.entry(MANIFEST) as { text: string }).text)

t.test('installed: a second install plans nothing; a new template rewrites only the shim and the record', async (t) => {
  const before = view({ '/usr/bin/dockerd': BINARY, [BUNDLE]: bundle })
  const after = applied(before, planInstall(before, opts()).changes)
  const again = planInstall(after, opts({ manifest: manifestOf(after) }))
  t.same(again.changes, [])
  t.match(again.summary, /^already installed: \/usr\/bin\/dockerd is the shim for .*; nothing changed$/)
  t.same(planInstall(after, opts({ manifest: manifestOf(after), mode: 'replace', dockerd: '/usr/bin/dockerd' })).changes, [], 'the same options said again')
  const upgraded = planInstall(after, opts({ manifest: manifestOf(after), template: TEMPLATE.replace('set -eu', 'set -eu\n# v2') }))
  t.same(upgraded.changes.map((c) => [c.op, (c as { path: string }).path]), [['write', '/usr/bin/dockerd'], ['write', MANIFEST]])
  t.match(upgraded.changes[0].reason, /^rewrote the shim \/usr\/bin\/dockerd/)
  const after2 = applied(after, upgraded.changes)
  t.same(planInstall(after2, opts({ manifest: manifestOf(after2), template: TEMPLATE.replace('set -eu', 'set -eu\n# v2') })).changes, [], 'then nothing again')
  t.same(planUninstall(after2, manifestOf(after2)).changes.map((c) => c.op), ['unlink', 'unlink', 'rmdir', 'unlink', 'move', 'rmdir', 'rmdir'], 'and uninstall accepts the rewritten shim')
})

t.test('installed: other options or a changed tree are refused by name', async (t) => {
  const before = view({ '/usr/bin/dockerd': BINARY, [BUNDLE]: bundle, '/usr/sbin/dockerd': BINARY })
  const after = applied(before, planInstall(before, opts({ dockerd: '/usr/bin/dockerd' })).changes)
  const m = manifestOf(after)
  t.throws(() => planInstall(after, opts({ manifest: m, mode: 'path' })), /already installed with --mode=replace .*run uninstall first/)
  t.throws(() => planInstall(after, opts({ manifest: m, dockerd: '/usr/sbin/dockerd' })), /already installed in front of \/usr\/bin\/dockerd/)
  const upgradedPackage: Record<string, Entry> = { ...after.files, '/usr/bin/dockerd': BINARY }
  t.throws(() => planInstall({ entry: (p) => upgradedPackage[p] ?? { type: 'missing' } }, opts({ manifest: m })),
    /^\/usr\/bin\/dockerd is no longer the shim but another file \(a package upgrade .*delete \/usr\/local\/libexec\/dockerd-autonet .* and run install again/)
  const lost = { ...after.files }
  delete lost[MOVED_DOCKERD]
  t.throws(() => planInstall({ entry: (p) => lost[p] ?? { type: 'missing' } }, opts({ manifest: m })), new RegExp(`says the real dockerd is ${MOVED_DOCKERD}, but ${MOVED_DOCKERD} is missing`))
})

t.test('uninstall: the inverse of each change, newest first; nothing when not installed', async (t) => {
  const before = view({ '/usr/bin/dockerd': BINARY, [BUNDLE]: bundle })
  const install = planInstall(before, opts())
  const after = applied(before, install.changes)
  const un = planUninstall(after, manifestOf(after))
  t.same(un.changes.map((c) => [c.op, 'path' in c ? c.path : `${c.from} -> ${c.to}`]), [
    ['unlink', MANIFEST], ['unlink', WRAPPER], ['rmdir', '/usr/local/bin'], ['unlink', '/usr/bin/dockerd'], ['move', `${MOVED_DOCKERD} -> /usr/bin/dockerd`],
    ['rmdir', LIBEXEC_DIR], ['rmdir', '/usr/local/libexec'],
  ])
  t.same(applied(after, un.changes).files, before.files, 'back to the same entries')
  t.same(planUninstall(before, null), { changes: [], summary: `not installed (no ${MANIFEST}); nothing changed` })
})

t.test('uninstall refuses, naming the path, when a file changed since install', async (t) => {
  const before = view({ '/usr/bin/dockerd': BINARY, [BUNDLE]: bundle })
  const after = applied(before, planInstall(before, opts()).changes)
  const m = manifestOf(after)
  const edited: Record<string, Entry> = { ...after.files, '/usr/bin/dockerd': { type: 'file', mode: 0o755, size: 3, head: 'x', text: 'x' } as Entry }
  t.throws(() => planUninstall({ entry: (p) => edited[p] ?? { type: 'missing' } }, m), /^\/usr\/bin\/dockerd changed since install \(its content is not what install wrote\); nothing was undone/)
  const relinked: Record<string, Entry> = { ...after.files, [WRAPPER]: { type: 'symlink', target: '/elsewhere' } as Entry }
  t.throws(() => planUninstall({ entry: (p) => relinked[p] ?? { type: 'missing' } }, m), /^\/usr\/local\/bin\/dockerd-autonet changed since install \(not the link to \.\.\/lib/)
})

t.test('every change has an inverse that undoes it', async (t) => {
  const w = { op: 'write', path: '/f', text: 'new', mode: 0o755, previous: { text: 'old', mode: 0o700 }, reason: 'r' } as const
  t.same(inverse(w), { op: 'write', path: '/f', text: 'old', mode: 0o700, previous: null, reason: 'undo: r' })
  t.same(inverse({ ...w, previous: null }), { op: 'unlink', path: '/f', was: { text: 'new', mode: 0o755 }, reason: 'undo: r' })
  t.same(inverse({ op: 'move', from: '/a', to: '/b', reason: 'r' }), { op: 'move', from: '/b', to: '/a', reason: 'undo: r' })
  t.same(inverse({ op: 'unlink', path: '/l', was: { target: 't' }, reason: 'r' }), { op: 'symlink', path: '/l', target: 't', reason: 'undo: r' })
  t.same(inverse({ op: 'mkdir', path: '/d', reason: 'r' }).op, 'rmdir')
})

t.test('parseManifest names what is wrong', async (t) => {
  t.throws(() => parseManifest('{'), /install\.json: not JSON/)
  t.throws(() => parseManifest('{"tool":"x"}'), /install\.json: not a dockerd-autonet install record/)
  t.throws(() => parseManifest(JSON.stringify({ tool: 'dockerd-autonet', version: 1, mode: 'replace', dockerd: '/d', real: '/r', shim: '/s', changes: [{ op: 'rm' }] })), /not a dockerd-autonet install record/)
})

t.test('rebaseShim moves exactly the three paths under the root', async (t) => {
  const text = shimFor(TEMPLATE, '/usr/bin/dockerd', 't')
  const rebased = rebaseShim(text, '/tmp/tree/')
  t.match(rebased, /^real=\/tmp\/tree\/usr\/bin\/dockerd$/m)
  t.match(rebased, /^moved=\/tmp\/tree\/usr\/local\/libexec\/dockerd-autonet\/dockerd$/m)
  t.match(rebased, /^wrapper=\/tmp\/tree\/usr\/local\/bin\/dockerd-autonet$/m)
  t.equal(rebased.split('\n').filter((l, i) => l !== text.split('\n')[i]).length, 3, 'no other line changes')
  t.equal(rebaseShim(text, '/'), text)
})
