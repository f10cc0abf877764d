/**
 * Deciding what `install` and `uninstall` do to a tree: pure functions of a `TreeView` and the
 * options, each returning the changes with a reason apiece (or throwing an InstallError that
 * names the path at fault). Applying them is src/install/apply.ts.
 *
 * Two ways to put the shim in front of dockerd (README "How the images hook in"):
 * - `replace` (the default): the real binary moves to MOVED_DOCKERD and the shim takes its path,
 *   so every caller gets the shim: by PATH (docker-init in docker:dind, s6's
 *   `exec dockerd-entrypoint.sh` in act_runner, earthly's dockerd-wrapper.sh) and by absolute
 *   path (plugins/docker's exec.Command("/usr/local/bin/dockerd"), supervisord's
 *   `command=/usr/bin/dockerd` in ARC's runner-dind, systemd's `ExecStart=/usr/bin/dockerd`).
 * - `path`: the shim goes into the image PATH's first directory and the binary stays where it
 *   is; only for images whose every caller looks dockerd up by PATH (our docker:dind image).
 */
import { posix } from 'node:path'
import { ancestors, type Change, type Entry, sha256, type TreeView } from './changes.js'
import { BUNDLE, LIBEXEC_DIR, MANIFEST, MOVED_DOCKERD, WRAPPER } from './layout.js'
import { isShim, shimFor, shimReal } from './shim.js'

export type InstallMode = 'replace' | 'path'

/** Bad input or a tree install cannot work on; the message names the path at fault. Exit code 2. */
export class InstallError extends Error {
  readonly exitCode = 2
}

/** A recorded change: what uninstall undoes. Written files are named by hash, not content. */
export type RecordedChange =
  | { op: 'mkdir', path: string }
  | { op: 'move', from: string, to: string }
  | { op: 'write', path: string, sha256: string, mode: number }
  | { op: 'symlink', path: string, target: string }

/** MANIFEST's content. */
export interface Manifest {
  tool: 'dockerd-autonet'
  version: 1
  mode: InstallMode
  /** The real dockerd as install found it (where callers find it). */
  dockerd: string
  /** Where the real dockerd is now (MOVED_DOCKERD in replace mode). */
  real: string
  /** The shim install wrote. */
  shim: string
  changes: RecordedChange[]
}

export interface InstallOptions {
  /** `--mode`; null: replace, or what an earlier install chose. */
  mode: InstallMode | null
  /** `--dockerd PATH`; null: the first dockerd on `path`. */
  dockerd: string | null
  /** The image's PATH, split (absolute directories count, the rest is skipped as the shell would find nothing there for an absolute lookup). */
  path: string[]
  /** image/dockerd-shim.sh's text, and its file name for errors. */
  template: string
  templateName: string
  /** What WRAPPER should point at if the tree has none (the running program, as an image path); null: none known. */
  wrapperTarget: string | null
  /** MANIFEST parsed, if the tree has one. */
  manifest: Manifest | null
}

export interface InstallPlan {
  mode: InstallMode
  /** The shim's path, and the dockerd it runs. */
  shim: string
  real: string
  /** In order; empty when everything is already in place. */
  changes: Change[]
  /** Why nothing changes, or what the changes achieve. */
  summary: string
}

const MAX_LINKS = 40 // as the kernel's MAXSYMLINKS

/**
 * The changes that put the shim in front of the real dockerd, or none when an earlier install
 * already did (a changed shim template is rewritten: upgrading the image's dockerd-autonet).
 *
 * @throws InstallError naming the path: no dockerd found, not an executable file, a shim that
 *   no install of ours put there, a manifest that disagrees with the tree or the options, no
 *   PATH directory before the real dockerd (path mode), nothing to run as WRAPPER
 */
export function planInstall(view: TreeView, o: InstallOptions): InstallPlan {
  if (o.manifest) return planReinstall(view, o, o.manifest)
  const planned = new Set<string>()
  const changes: Change[] = []
  const mkdir = (dir: string, why: string) => {
    for (const d of ancestors(dir)) {
      if (planned.has(d) || view.entry(d).type !== 'missing') continue
      planned.add(d)
      changes.push({ op: 'mkdir', path: d, reason: `created ${d} (${why})` })
    }
  }
  const dirs = o.path.filter((d) => d.startsWith('/')).map((d) => posix.normalize(d).replace(/(.)\/$/, '$1'))
  const found = o.dockerd ?? findOnPath(view, dirs)
  const real = resolveLinks(view, found)
  const entry = view.entry(real) as Extract<Entry, { type: 'file' }>
  if (isShim(entry.head)) {
    throw new InstallError(`${real} is already a dockerd-autonet shim (for ${shimReal(entry.head) ?? '?'}), but ${MANIFEST} does not record it: ` +
      'it was put there by hand; put the real dockerd back at that path (or delete the shim), then run install')
  }
  if (view.entry(MOVED_DOCKERD).type !== 'missing') {
    throw new InstallError(`${MOVED_DOCKERD} exists but ${MANIFEST} does not record it: a hand-made install? Put that dockerd back where it came from, then run install`)
  }
  const mode: InstallMode = o.mode ?? 'replace'
  let shim: string
  let shimReal_: string
  mkdir(LIBEXEC_DIR, 'install record' + (mode === 'replace' ? ' and the real dockerd' : ''))
  if (mode === 'replace') {
    shim = real
    shimReal_ = MOVED_DOCKERD
    changes.push({ op: 'move', from: real, to: MOVED_DOCKERD, reason: `moved the real dockerd ${real} to ${MOVED_DOCKERD}` })
  } else {
    const first = dirs[0]
    if (first === undefined) throw new InstallError('--mode=path: the image PATH has no absolute directory (give --path)')
    const onPath = findOnPath(view, dirs)
    if (posix.dirname(onPath) === first) {
      throw new InstallError(`--mode=path: ${onPath} is in PATH's first directory ${first}; no directory comes before it: use --mode=replace`)
    }
    mkdir(first, 'the shim\'s directory, first in PATH')
    shim = posix.join(first, 'dockerd')
    shimReal_ = real
  }
  changes.push({
    op: 'write', path: shim, text: shimFor(o.template, shimReal_, o.templateName), mode: 0o755, previous: null,
    reason: mode === 'replace'
      ? `wrote the shim at ${shim}: callers of ${found} by path and by PATH get dockerd-autonet, which runs ${shimReal_}`
      : `wrote the shim at ${shim}: callers that find dockerd by PATH (${dirs[0]} before ${posix.dirname(found)}) get dockerd-autonet, which runs ${real}`,
  })
  changes.push(...wrapperLink(view, o, mkdir))
  const summary = mode === 'replace'
    ? `dockerd at ${shim} is now the shim; the real binary is ${shimReal_}`
    : `dockerd by PATH is now the shim ${shim}; the real binary stays at ${real}`
  const manifest: Manifest = { tool: 'dockerd-autonet', version: 1, mode, dockerd: found, real: shimReal_, shim, changes: changes.map(record) }
  changes.push(manifestWrite(manifest, null))
  return { mode, shim, real: shimReal_, changes, summary }
}

/** An install is recorded: check the tree still matches it; rewrite the shim if the template changed. */
function planReinstall(view: TreeView, o: InstallOptions, m: Manifest): InstallPlan {
  if (o.mode !== null && o.mode !== m.mode) {
    throw new InstallError(`already installed with --mode=${m.mode} (${MANIFEST}); run uninstall first to install with --mode=${o.mode}`)
  }
  if (o.dockerd !== null && o.dockerd !== m.dockerd && resolveLinks(view, o.dockerd) !== m.shim) {
    throw new InstallError(`already installed in front of ${m.dockerd} (${MANIFEST}); run uninstall first to install in front of ${o.dockerd}`)
  }
  const real = view.entry(m.real)
  if (real.type !== 'file') throw new InstallError(`${MANIFEST} says the real dockerd is ${m.real}, but ${m.real} is ${describe(real)}`)
  const shim = view.entry(m.shim)
  if (shim.type !== 'file' || !isShim(shim.head)) {
    if (shim.type === 'file' && m.mode === 'replace') {
      throw new InstallError(`${m.shim} is no longer the shim but another file (a package upgrade put a new dockerd there?), and ${m.real} is the dockerd it replaced: ` +
        `if ${m.shim} is the new dockerd, delete ${LIBEXEC_DIR} (the old binary and the record) and run install again`)
    }
    throw new InstallError(`${MANIFEST} says ${m.shim} is the shim, but it is ${describe(shim)}; put the shim back (run install with the record removed) or undo by hand`)
  }
  const want = shimFor(o.template, m.real, o.templateName)
  const summary = `already installed: ${m.shim} is the shim for ${m.real}`
  if (shim.text === want) return { mode: m.mode, shim: m.shim, real: m.real, changes: [], summary: `${summary}; nothing changed` }
  const update: Change = {
    op: 'write', path: m.shim, text: want, mode: 0o755, previous: { text: shim.text ?? '', mode: shim.mode },
    reason: `rewrote the shim ${m.shim} from ${o.templateName} (it differed: an upgraded dockerd-autonet)`,
  }
  const changes = m.changes.map((c) => c.op === 'write' && c.path === m.shim ? { ...c, sha256: sha256(want) } : c)
  const previousManifest = view.entry(MANIFEST)
  return {
    mode: m.mode, shim: m.shim, real: m.real, summary,
    changes: [update, manifestWrite({ ...m, changes }, previousManifest.type === 'file' ? { text: previousManifest.text ?? '', mode: previousManifest.mode } : null)],
  }
}

/** WRAPPER, the command the shim runs: kept when present, else a relative link to the running program. */
function wrapperLink(view: TreeView, o: InstallOptions, mkdir: (d: string, why: string) => void): Change[] {
  const have = view.entry(WRAPPER)
  if (have.type === 'file' || have.type === 'symlink') return []
  if (have.type !== 'missing') throw new InstallError(`${WRAPPER} is ${describe(have)}; the shim runs dockerd-autonet by that name`)
  if (o.wrapperTarget === null || view.entry(o.wrapperTarget).type !== 'file') {
    throw new InstallError(`no ${WRAPPER} in the tree, and no dockerd-autonet program in it to link there${o.wrapperTarget ? ` (${o.wrapperTarget} is ${describe(view.entry(o.wrapperTarget))})` : ''}: put the bundle (dist/dockerd-autonet.mjs) at ${BUNDLE} in the tree first, as the Dockerfile's COPY does`)
  }
  mkdir(posix.dirname(WRAPPER), 'for the dockerd-autonet command')
  const target = posix.relative(posix.dirname(WRAPPER), o.wrapperTarget)
  return [{ op: 'symlink', path: WRAPPER, target, reason: `linked ${WRAPPER} -> ${target} (the command the shim runs)` }]
}

function manifestWrite(m: Manifest, previous: { text: string, mode: number } | null): Change {
  return { op: 'write', path: MANIFEST, text: JSON.stringify(m, null, 2) + '\n', mode: 0o644, previous, reason: `recorded these changes in ${MANIFEST} (for uninstall)` }
}

function record(c: Change): RecordedChange {
  switch (c.op) {
    case 'mkdir': return { op: 'mkdir', path: c.path }
    case 'move': return { op: 'move', from: c.from, to: c.to }
    case 'write': return { op: 'write', path: c.path, sha256: sha256(c.text), mode: c.mode }
    case 'symlink': return { op: 'symlink', path: c.path, target: c.target }
    default: throw new Error(`install plans no ${c.op}`)
  }
}

/**
 * The changes that undo a recorded install, newest first, after checking that each path is
 * still as install left it. With no manifest there is nothing to undo.
 *
 * @throws InstallError naming the first path that changed since install (nothing is touched then)
 */
export function planUninstall(view: TreeView, m: Manifest | null): { changes: Change[], summary: string } {
  if (!m) return { changes: [], summary: `not installed (no ${MANIFEST}); nothing changed` }
  const manifest = view.entry(MANIFEST)
  const changes: Change[] = []
  if (manifest.type === 'file' && manifest.text !== null) {
    changes.push({ op: 'unlink', path: MANIFEST, was: { text: manifest.text, mode: manifest.mode }, reason: `removed ${MANIFEST}` })
  }
  for (const c of [...m.changes].reverse()) {
    const e = view.entry(c.op === 'move' ? c.to : c.path)
    const changed = (what: string) => new InstallError(`${c.op === 'move' ? c.to : c.path} changed since install (${what}); nothing was undone: put it back as install left it, or undo by hand (${MANIFEST})`)
    switch (c.op) {
      case 'write':
        if (e.type !== 'file' || e.text === null || sha256(e.text) !== c.sha256) throw changed(e.type === 'file' ? 'its content is not what install wrote' : `it is ${describe(e)}`)
        changes.push({ op: 'unlink', path: c.path, was: { text: e.text, mode: e.mode }, reason: `removed ${c.path}` })
        break
      case 'symlink':
        if (e.type !== 'symlink' || e.target !== c.target) throw changed(`not the link to ${c.target} install made`)
        changes.push({ op: 'unlink', path: c.path, was: { target: c.target }, reason: `removed the link ${c.path}` })
        break
      case 'move':
        if (e.type !== 'file') throw changed(`it is ${describe(e)}, not the moved dockerd`)
        changes.push({ op: 'move', from: c.to, to: c.from, reason: `moved the real dockerd ${c.to} back to ${c.from}` })
        break
      case 'mkdir':
        if (e.type !== 'dir') throw changed(`it is ${describe(e)}, not the directory install created`)
        changes.push({ op: 'rmdir', path: c.path, reason: `removed the directory ${c.path}` })
        break
    }
  }
  return { changes, summary: m.mode === 'replace' ? `uninstalled: the real dockerd is back at ${m.dockerd}` : `uninstalled: the shim ${m.shim} is gone; dockerd by PATH is ${m.real} again` }
}

/**
 * MANIFEST's text parsed and checked.
 * @throws InstallError naming the manifest and what is wrong with it
 */
export function parseManifest(text: string): Manifest {
  let m: unknown
  try {
    m = JSON.parse(text)
  } catch (err) {
    throw new InstallError(`${MANIFEST}: not JSON (${err instanceof Error ? err.message : String(err)}); remove it only if you know no install is recorded in it`)
  }
  const ok = typeof m === 'object' && m !== null && (m as Manifest).tool === 'dockerd-autonet' && (m as Manifest).version === 1 &&
    ['replace', 'path'].includes((m as Manifest).mode) && ['dockerd', 'real', 'shim'].every((k) => typeof (m as Record<string, unknown>)[k] === 'string') &&
    Array.isArray((m as Manifest).changes) && (m as Manifest).changes.every((c) => typeof c === 'object' && c !== null && ['mkdir', 'move', 'write', 'symlink'].includes(c.op))
  if (!ok) throw new InstallError(`${MANIFEST}: not a dockerd-autonet install record (tool, version 1, mode, dockerd, real, shim, changes)`)
  return m as Manifest
}

/** The first `dockerd` on PATH, as `command -v` finds it (any entry but a missing one). */
function findOnPath(view: TreeView, dirs: string[]): string {
  for (const d of dirs) {
    const p = posix.join(d, 'dockerd')
    if (view.entry(p).type !== 'missing') return p
  }
  throw new InstallError(`no dockerd in the image PATH (${dirs.join(':') || 'empty'}): give its path with --dockerd PATH, or the image's PATH with --path`)
}

/** `path` with its symlinks followed inside the tree; the end must be an executable file. */
function resolveLinks(view: TreeView, path: string): string {
  if (!path.startsWith('/')) throw new InstallError(`--dockerd ${path}: give an absolute path`)
  let p = posix.normalize(path)
  for (let i = 0; i < MAX_LINKS; i++) {
    const e = view.entry(p)
    if (e.type === 'symlink') {
      p = posix.resolve(posix.dirname(p), e.target)
      continue
    }
    if (e.type !== 'file') throw new InstallError(`${p}${p === path ? '' : ` (from ${path})`} is ${describe(e)}, not the dockerd binary`)
    if ((e.mode & 0o111) === 0) throw new InstallError(`${p} is not executable (mode ${(e.mode & 0o7777).toString(8)})`)
    return p
  }
  throw new InstallError(`${path}: more than ${MAX_LINKS} symbolic links`)
}

function describe(e: Entry): string {
  switch (e.type) {
    case 'missing': return 'missing'
    case 'dir': return 'a directory'
    case 'symlink': return `a symbolic link to ${e.target}`
    case 'file': return 'a file'
    case 'other': return 'not a regular file'
  }
}
