/**
 * `dockerd-autonet install` and `uninstall`: read the tree, plan (plan-install.ts), apply
 * (apply.ts), check through the shim (verify.ts), and name every change on stdout.
 *
 * Exit codes: 0 done (or nothing to do), 1 it did not take (a file operation or the
 * `dockerd --version` check failed; everything done was undone), 2 usage error or a tree we
 * cannot work on (nothing changed; the message names the path), 70 internal error.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { relative, isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import yargs from 'yargs'
import { ApplyError, applyChanges, treeAt } from './apply.js'
import { type Change, inverse, type TreeView } from './changes.js'
import { BUNDLE, MANIFEST, SHIM_SOURCE, STANDARD_PATH } from './layout.js'
import { InstallError, type InstallMode, type Manifest, parseManifest, planInstall, planUninstall } from './plan-install.js'
import { ShimError } from './shim.js'
import { checkShim } from './verify.js'
import { yargsMessage } from '../cli/usage-error.js'

export interface InstallDeps {
  stdout(text: string): void
  stderr(text: string): void
  /** The running program's file (process.argv[1]): what WRAPPER links to when the tree has none. */
  program: string | undefined
  /** --autonet-dry-run: print the planned changes (`would change: …`) and change nothing. */
  dryRun?: boolean
}

const EXIT_DID_NOT_TAKE = 1
const EXIT_INTERNAL = 70

interface Args { root: string, dockerd: string | null, mode: InstallMode | null, path: string[], shim: string | null }

const DESCRIPTION = {
  install: `Put the dockerd shim in front of the real dockerd (an image's RUN step, or a host):
  --mode=replace (default): move the real binary to /usr/local/libexec/dockerd-autonet/dockerd
    and put the shim at its path: callers by PATH and by absolute path both get it;
  --mode=path: put the shim in the PATH's first directory; the binary stays (only for images
    whose callers all look dockerd up by PATH).
Idempotent; checks the result with dockerd --version through the shim; names each change.`,
  uninstall: 'Undo what install did (recorded in /usr/local/libexec/dockerd-autonet/install.json), byte for byte.',
}

const EPILOGUE = `Exit codes: 0 done or nothing to do; 1 it did not take (a file operation or the dockerd --version
check failed; everything done was undone); 2 usage error or a tree install cannot work on
(nothing changed; the message names the path); 70 internal error.`

/** Parse install's / uninstall's own arguments; a `{ help }` for --help. */
async function parse(verb: 'install' | 'uninstall', argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Args | { help: string }> {
  let y = yargs()
    .scriptName('dockerd-autonet')
    .usage(`Usage: $0 ${verb} [--root DIR]${verb === 'install' ? ' [--dockerd PATH] [--mode replace|path] [--path DIRS] [--shim FILE]' : ''}\n\n${DESCRIPTION[verb]}`)
    .option('root', { type: 'string', requiresArg: true, describe: 'operate on the tree under DIR (an unpacked image) instead of /' })
    .strict().help(false).version(false).exitProcess(false).wrap(null).epilogue(EPILOGUE)
  if (verb === 'install') {
    y = y
      .option('dockerd', { type: 'string', requiresArg: true, describe: 'the real dockerd (default: the first dockerd on the PATH)' })
      .option('mode', { choices: ['replace', 'path'] as const, requiresArg: true, describe: 'how callers are reached (default replace, or what an earlier install chose)' })
      .option('path', { type: 'string', requiresArg: true, describe: `the image's PATH (default: $PATH; with --root: ${STANDARD_PATH})` })
      .option('shim', { type: 'string', requiresArg: true, describe: `the shim template (default: ${SHIM_SOURCE}, else the package's image/dockerd-shim.sh)` })
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    return { help: await new Promise<string>((resolve) => { y.help().parse(['--help'], {}, (_e, _a, out) => resolve(out + '\n')) }) }
  }
  const a = await new Promise<Record<string, unknown>>((resolve, reject) => {
    y.parse([...argv], {}, (err, parsed) => err ? reject(new InstallError(`${verb}: ${yargsMessage(err.message, argv)}`)) : resolve(parsed as Record<string, unknown>))
  })
  const root = (a.root as string | undefined) ?? '/'
  const path = (a.path as string | undefined) ?? (root === '/' ? env.PATH ?? STANDARD_PATH : STANDARD_PATH)
  return { root, dockerd: (a.dockerd as string | undefined) ?? null, mode: (a.mode as InstallMode | undefined) ?? null, path: path.split(':'), shim: (a.shim as string | undefined) ?? null }
}

/**
 * Run `install` or `uninstall` with their arguments (after the verb).
 * @returns the exit code (see the module comment); never rejects for expected failures
 */
export async function runInstallCommand(verb: 'install' | 'uninstall', argv: readonly string[], env: NodeJS.ProcessEnv, deps: InstallDeps): Promise<number> {
  const error = (m: string) => deps.stderr(`dockerd-autonet: error: ${m}\n`)
  try {
    const args = await parse(verb, argv, env)
    if ('help' in args) {
      deps.stdout(args.help)
      return 0
    }
    if (!existsSync(args.root) || !statSync(args.root).isDirectory()) throw new InstallError(`--root ${args.root}: not a directory`)
    const root = args.root === '/' ? '/' : realpathSync(args.root)
    const tree = treeAt(root)
    const manifest = readManifest(tree)
    return verb === 'install' ? await install(root, tree, manifest, args, env, deps) : uninstall(root, tree, manifest, deps)
  } catch (err) {
    if (err instanceof InstallError || err instanceof ShimError) {
      error(err.message)
      return 2
    }
    if (err instanceof ApplyError) {
      error(err.message)
      return EXIT_DID_NOT_TAKE
    }
    error(`internal error: ${err instanceof Error && err.stack ? err.stack : String(err)}`)
    return EXIT_INTERNAL
  }
}

async function install(root: string, tree: TreeView, manifest: Manifest | null, args: Args, env: NodeJS.ProcessEnv, deps: InstallDeps): Promise<number> {
  const template = readTemplate(args.shim)
  const plan = planInstall(tree, {
    mode: args.mode, dockerd: args.dockerd, path: args.path, manifest,
    template: template.text, templateName: template.name, wrapperTarget: wrapperTarget(root, tree, deps.program),
  })
  if (deps.dryRun) return dryRun(deps, plan)
  const done = applyChanges(root, plan.changes)
  report(deps, done)
  const check = await checkShim(root, plan.shim, plan.real, env)
  if ('problem' in check) {
    deps.stderr(`dockerd-autonet: error: ${check.problem}\n`)
    if (done.length) {
      applyChanges(root, [...done].reverse().map(inverse))
      deps.stderr(`dockerd-autonet: error: install did not take: its ${done.length} change(s) were undone\n`)
    }
    return EXIT_DID_NOT_TAKE
  }
  deps.stdout(`${plan.summary}\nchecked: dockerd --version through ${plan.shim}: ${check.version}\n`)
  return 0
}

function uninstall(root: string, tree: TreeView, manifest: Manifest | null, deps: InstallDeps): number {
  const plan = planUninstall(tree, manifest)
  if (deps.dryRun) return dryRun(deps, plan)
  report(deps, applyChanges(root, plan.changes))
  deps.stdout(plan.summary + '\n')
  return 0
}

/** A dry run: the planner's changes, each named, and nothing done (no change, no check through the shim). */
function dryRun(deps: InstallDeps, plan: { changes: Change[], summary: string }): number {
  for (const c of plan.changes) deps.stdout(`would change: ${c.reason}\n`)
  deps.stdout(`dry run: ${plan.changes.length} change(s) planned, nothing changed; planned: ${plan.summary}\n`)
  return 0
}

function report(deps: InstallDeps, done: Change[]): void {
  for (const c of done) deps.stdout(`changed: ${c.reason}\n`)
}

function readManifest(tree: TreeView): Manifest | null {
  const e = tree.entry(MANIFEST)
  if (e.type === 'missing') return null
  if (e.type !== 'file' || e.text === null) throw new InstallError(`${MANIFEST} is not an install record (not a small regular file)`)
  return parseManifest(e.text)
}

/** The shim template: --shim, else next to the bundle (the images), else the package's image/. */
function readTemplate(given: string | null): { text: string, name: string } {
  const candidates = given !== null ? [given] : [
    fileURLToPath(new URL('./dockerd-shim.sh', import.meta.url)), // the bundle: /usr/local/lib/dockerd-autonet/
    fileURLToPath(new URL('../../image/dockerd-shim.sh', import.meta.url)), // dist/install/ in the package
  ]
  for (const name of candidates) {
    try {
      return { text: readFileSync(name, 'utf8'), name }
    } catch (err) {
      if (given !== null) throw new InstallError(`--shim ${given}: ${(err as Error).message}`)
    }
  }
  throw new InstallError(`the shim template is missing (looked for ${candidates.join(', ')}): COPY image/dockerd-shim.sh to ${SHIM_SOURCE}, or give --shim FILE`)
}

/** The running program as a path inside the tree, or the bundle's usual place when it is in the tree. */
function wrapperTarget(root: string, tree: TreeView, program: string | undefined): string | null {
  if (program) {
    try {
      const real = realpathSync(program)
      const inside = root === '/' ? real : relative(root, real)
      if (root === '/' || (!inside.startsWith('..') && !isAbsolute(inside))) return root === '/' ? real : `/${inside}`
    } catch { /* not a file: fall through */ }
  }
  return tree.entry(BUNDLE).type === 'file' ? BUNDLE : null
}
