/**
 * Images' files laid out under a temp root, so the chain an image runs (its init system or
 * entrypoint → … → our shim → dockerd-autonet → the real dockerd) runs here with no engine and
 * no registry. Each layout is the base image as upstream ships it (the real dockerd where its
 * packaging puts it, the caller that starts it), plus our bundle and shim where the Dockerfiles
 * COPY them; `install` then runs as the Dockerfile's RUN step does, with `--root`. The real
 * dockerd is a stub that records the argv it was exec'd with.
 *
 * Safety: everything runs with NO_CHANGES (no iptables, conntrack or MAC change on this
 * machine), and a guard `dockerd` stands between the tree's PATH and this machine's, so a
 * lookup that missed the tree fails loudly instead of reaching a real dockerd here.
 */
import type { Test } from 'tap'
import { execa } from 'execa'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BUNDLE, BUNDLE_DIR, MANIFEST, MOVED_DOCKERD, SHIM_SOURCE, STANDARD_PATH, WRAPPER } from '../../../src/install/layout.js'
import { rebaseShim } from '../../../src/install/shim.js'
import { codeCachePath } from '../../../src/launch/code-cache.js'

export const REPO = fileURLToPath(new URL('../../..', import.meta.url))

/**
 * Where the images put things. test/image/dockerfile.test.ts checks that the Dockerfiles
 * and image/dockerd-shim.sh say the same; the chain tests check that install puts them there.
 */
export const PATHS = {
  /** The bundle, and the command name the shim runs it by (a link to the bundle). */
  bundle: BUNDLE,
  wrapper: WRAPPER,
  shimSource: SHIM_SOURCE,
  /** docker:dind: the real dockerd stays where the base put it; the shim comes first in PATH. */
  dindReal: '/usr/local/bin/dockerd',
  dindShim: '/usr/local/sbin/dockerd',
  /** Replace mode (plugins/docker, someone else's image): the shim takes the binary's path, the binary moves. */
  droneShim: '/usr/local/bin/dockerd',
  moved: MOVED_DOCKERD,
  manifest: MANIFEST,
} as const

/** Fixes that would change this machine (iptables, conntrack, bridge MAC) stay off in tests. */
export const NO_CHANGES = { DOCKERD_AUTONET_NO_CLAMP_MSS: '1', DOCKERD_AUTONET_NO_CONNTRACK: '1', DOCKERD_AUTONET_NO_BRIDGE_MAC: '1' }

/** The Docker version the stub real dockerd claims, as the pinned base image would. */
export const STUB_VERSION = '29.7.2'

/** tsc, then scripts/bundle.mjs into `dir` (the bundle, its notices, its warmed code cache); returns the bundle's path. */
export async function buildBundle(dir: string): Promise<string> {
  await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO })
  const out = join(dir, 'dockerd-autonet.mjs')
  await execa('node', ['scripts/bundle.mjs', out], { cwd: REPO })
  return out
}

/** `/usr/local/…` in a script, moved under `root`. */
export function rebase(text: string, root: string): string {
  return text.replaceAll('/usr/local/', `${root}/usr/local/`)
}

/** The shell the images run scripts with (busybox ash) when this machine has it, else /bin/sh. */
export const SH = existsSync('/usr/bin/busybox') ? ['/usr/bin/busybox', 'sh'] : ['/bin/sh']

const STUB_DOCKERD = `#!/bin/sh
# Stub of the real dockerd: the version probe gets an answer, a start records its argv.
if [ "\${1:-}" = --version ]; then echo "Docker version ${STUB_VERSION}, build 0000000"; exit 0; fi
printf '%s\\0' "$0" "$@" > "$AUTONET_TEST_RECORD"
env > "$AUTONET_TEST_RECORD.env"
`
// Between the tree's PATH and this machine's: a `dockerd` lookup that missed the tree ends here.
const GUARD_DOCKERD = '#!/bin/sh\necho "test guard: dockerd was looked up outside the image tree" >&2\nexit 99\n'
// docker-init is tini: `docker-init -- CMD ARGS` execvp's CMD, so CMD is found by PATH.
const STUB_DOCKER_INIT = '#!/bin/sh\n[ "$1" = -- ] && shift\nexec "$@"\n'
// hack/dind ends with exec "$@" after its mounts.
const STUB_PASS_THROUGH = '#!/bin/sh\nexec "$@"\n'
// rootlesskit: records its own flags, marks its child as rootlesskit does (ROOTLESSKIT_STATE_DIR,
// ROOTLESSKIT_PARENT_EUID: rootlesskit cmd/rootlesskit/main.go), then runs the child command.
// No namespaces are made: the child sees this machine's network, which NO_CHANGES keeps untouched.
const STUB_ROOTLESSKIT = `#!/bin/sh
flags=
while [ "$#" -gt 0 ]; do
	case "$1" in
		-p|--publish) flags="$flags $1 $2"; shift 2 ;;
		-*) flags="$flags $1"; shift ;;
		*) break ;;
	esac
done
printf '%s\\n' "\${flags# }" > "$AUTONET_TEST_ROOTLESSKIT_RECORD"
ROOTLESSKIT_STATE_DIR="$AUTONET_TEST_ROOTLESSKIT_STATE_DIR" ROOTLESSKIT_PARENT_EUID="\${AUTONET_TEST_UID:-1000}" exec "$@"
`

/**
 * The layouts, each as its upstream ships it (stand-ins written from each project's documented
 * start-up, not copied). `real`: where the packaging puts dockerd; `files`: what calls it.
 */
const DIND_BASE: Record<string, string> = {
  '/usr/local/bin/dockerd-entrypoint.sh': 'fixture:dockerd-entrypoint.sh',
  '/usr/local/bin/docker-entrypoint.sh': STUB_PASS_THROUGH,
  '/usr/local/bin/dind': STUB_PASS_THROUGH,
  '/usr/local/bin/docker-init': STUB_DOCKER_INIT,
}
export const LAYOUTS = {
  /** Our Dockerfile: FROM docker:dind. */
  dind: { real: '/usr/local/bin/dockerd', files: DIND_BASE },
  /** docker:dind-rootless: docker:dind plus rootlesskit in /usr/local/bin; the same entrypoint takes its rootless branch for a non-root uid (AUTONET_TEST_UID). */
  'dind-rootless': {
    real: '/usr/local/bin/dockerd',
    files: { ...DIND_BASE, '/usr/local/bin/rootlesskit': STUB_ROOTLESSKIT },
  },
  /** image/drone/Dockerfile: FROM plugins/docker (docker:dind inside; drone-docker execs /usr/local/bin/dockerd). */
  drone: { real: '/usr/local/bin/dockerd', files: DIND_BASE },
  /** Gitea/Forgejo act_runner *-dind: FROM docker:dind, ENTRYPOINT s6-svscan /etc/s6; the docker service's run script. */
  'act-runner': { real: '/usr/local/bin/dockerd', files: { ...DIND_BASE, '/etc/s6/docker/run': '#!/bin/sh\nexec dockerd-entrypoint.sh\n' } },
  /** ARC's actions-runner-dind (Ubuntu, Docker's static binaries in /usr/bin): supervisord starts dockerd by absolute path. */
  'arc-runner-dind': { real: '/usr/bin/dockerd', files: { '/etc/supervisor/conf.d/dockerd.conf': '[program:dockerd]\ncommand=/usr/bin/dockerd\nautostart=true\nautorestart=true\n' } },
  /** earthly/earthly (Alpine, `apk add docker`): its dockerd-wrapper.sh starts dockerd by PATH in the background. */
  earthly: {
    real: '/usr/bin/dockerd',
    files: {
      '/usr/bin/dockerd-wrapper.sh': '#!/bin/sh\nset -eu\n# Stand-in: earthly\'s wrapper starts dockerd by PATH with its own data root, then waits on it.\n' +
        'dockerd --data-root="${EARTHLY_DOCKERD_DATA_ROOT:-/var/earthly/dind}" &\nwait $!\n',
    },
  },
  /** A Debian host with Docker's docker-ce package: systemd's ExecStart names /usr/bin/dockerd. */
  'debian-docker-ce': { real: '/usr/bin/dockerd', files: { '/lib/systemd/system/docker.service': '[Service]\nType=notify\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n' } },
  /** A Debian host with Debian's docker.io package: /usr/sbin/dockerd. */
  'debian-docker-io': { real: '/usr/sbin/dockerd', files: { '/lib/systemd/system/docker.service': '[Service]\nType=notify\nExecStart=/usr/sbin/dockerd -H fd://\n' } },
} as const satisfies Record<string, { real: string, files: Record<string, string> }>
export type Layout = keyof typeof LAYOUTS

export interface RunResult { exitCode: number, stdout: string, stderr: string }

export interface Tree {
  root: string
  layout: Layout
  /** Absolute path of an image path inside this tree. */
  at(imagePath: string): string
  /** argv[0..] the stub real dockerd was last started with (its own path first), or null. */
  recorded(): string[] | null
  /** The environment the stub real dockerd was last started with (one-line values), or null. */
  recordedEnv(): Record<string, string> | null
  /** Run a command with the image-like PATH and environment; never rejects. */
  run(cmd: string[], env?: Record<string, string>): Promise<RunResult>
  /** `dockerd-autonet install|uninstall --root ROOT ARGS` with the tree's own bundle, as the image's RUN step runs it. */
  autonet(verb: 'install' | 'uninstall', args?: string[]): Promise<RunResult>
  /** The installed shim (named by install's record) with its paths moved under the root, so that it runs here. */
  makeRunnable(): void
  remove(): void
}

/**
 * A temp root laid out as `layout`'s base image plus our files as the Dockerfiles COPY them
 * (the bundle and the shim in /usr/local/lib/dockerd-autonet/), and the bundle's code cache
 * beside it as their warm-up run leaves it (this machine's Node made the one copied here, as
 * the image's Node makes the image's); nothing installed yet.
 * @throws when `bundle` has no code cache beside it (buildBundle's warm-up failed): without it
 *   the tree's first run would write one, and the tree would not be as an image has it
 */
export function makeBaseTree(layout: Layout, bundle: string): Tree {
  const root = mkdtempSync(join(tmpdir(), `autonet-${layout}-`))
  const at = (p: string) => join(root, p)
  const put = (p: string, text: string) => {
    mkdirSync(dirname(at(p)), { recursive: true })
    writeFileSync(at(p), text)
    chmodSync(at(p), 0o755)
  }
  const spec = LAYOUTS[layout]
  for (const [p, text] of Object.entries(spec.files)) {
    const fixture = /^fixture:(.+)$/.exec(text)?.[1]
    put(p, fixture ? rebase(readFileSync(join(REPO, 'test/image/fixtures', fixture), 'utf8'), root) : text)
  }
  put(spec.real, STUB_DOCKERD)
  mkdirSync(at(BUNDLE_DIR), { recursive: true })
  copyFileSync(bundle, at(BUNDLE))
  chmodSync(at(BUNDLE), 0o755)
  if (!existsSync(codeCachePath(bundle))) throw new Error(`${codeCachePath(bundle)}: missing (scripts/bundle.mjs warms it)`)
  copyFileSync(codeCachePath(bundle), codeCachePath(at(BUNDLE)))
  copyFileSync(join(REPO, 'image/dockerd-shim.sh'), at(SHIM_SOURCE))
  chmodSync(at(SHIM_SOURCE), 0o644)
  put('/.guard/dockerd', GUARD_DOCKERD)
  const record = join(root, 'record')
  const hostPath = (env: Record<string, string>) => [
    // The image's PATH inside the tree, the guard, then this machine's for sh, ip and
    // conntrack, node's own directory last for the bundle's shebang.
    ...(env.IMAGE_PATH ?? STANDARD_PATH).split(':').map((d) => `${root}${d}`), `${root}/.guard`,
    '/usr/sbin', '/usr/bin', '/sbin', '/bin', dirname(process.execPath),
  ].join(':')
  const tree: Tree = {
    root,
    layout,
    at,
    recorded: () => existsSync(record) ? readFileSync(record, 'utf8').split('\0').slice(0, -1) : null,
    recordedEnv: () => existsSync(`${record}.env`)
      ? Object.fromEntries(readFileSync(`${record}.env`, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
      : null,
    async run(cmd, env = {}) {
      rmSync(record, { force: true })
      rmSync(`${record}.env`, { force: true })
      const r = await execa(cmd[0], cmd.slice(1), {
        reject: false,
        stdin: 'ignore',
        timeout: 60_000,
        env: { ...NO_CHANGES, PATH: hostPath(env), AUTONET_TEST_RECORD: record, ...env },
        extendEnv: false,
      })
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }
    },
    async autonet(verb, args = []) {
      const r = await execa('node', [at(BUNDLE), verb, '--root', root, ...args], {
        reject: false, stdin: 'ignore', timeout: 60_000, env: { ...NO_CHANGES, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${dirname(process.execPath)}` }, extendEnv: false,
      })
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }
    },
    makeRunnable() {
      const shim = (JSON.parse(readFileSync(at(MANIFEST), 'utf8')) as { shim: string }).shim
      writeFileSync(at(shim), rebaseShim(readFileSync(at(shim), 'utf8'), root))
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  }
  return tree
}

/**
 * `install ARGS` after the extracted command line of a Dockerfile or README `RUN … install …`
 * step: the `--flag=value` options it gives.
 */
export function installArgs(text: string, where: string): string[] {
  const m = /dockerd-autonet(?:\.mjs)? install((?:[ \t]+--[\w-]+(?:=[^\s;&|]+)?)*)/.exec(text)
  if (!m) throw new Error(`${where}: no \`dockerd-autonet install\` step`)
  return m[1].trim().split(/\s+/).filter(Boolean)
}

/** Our images' install steps, as their Dockerfiles give them. */
export const IMAGE_INSTALL_ARGS = {
  dind: installArgs(readFileSync(join(REPO, 'Dockerfile'), 'utf8'), 'Dockerfile'),
  drone: installArgs(readFileSync(join(REPO, 'image/drone/Dockerfile'), 'utf8'), 'image/drone/Dockerfile'),
  'dind-rootless': installArgs(readFileSync(join(REPO, 'image/rootless/Dockerfile'), 'utf8'), 'image/rootless/Dockerfile'),
}

/**
 * `layout`'s tree with dockerd-autonet installed as the image's Dockerfile (ours) or the README
 * recipe (someone else's image: `recipeArgs`) does it, and the shim made runnable here.
 * @throws when install fails (its output in the message)
 */
export async function makeTree(layout: Layout, bundle: string, recipeArgs: string[] = []): Promise<Tree> {
  const tree = makeBaseTree(layout, bundle)
  const args = layout === 'dind' || layout === 'drone' || layout === 'dind-rootless' ? IMAGE_INSTALL_ARGS[layout] : recipeArgs
  const r = await tree.autonet('install', args)
  if (r.exitCode !== 0) {
    tree.remove()
    throw new Error(`install ${args.join(' ')} into ${layout} exited ${r.exitCode}:\n${r.stdout}\n${r.stderr}`)
  }
  tree.makeRunnable()
  return tree
}

interface PlanJson { mtu: number | null, args: string[], actions: unknown[] }

/**
 * What dockerd-autonet (the tree's bundle) plans on this machine for `real` started with `args`
 * (and our options): `plan -- REAL ARGS`, the start the shim makes (`wrapper REAL ARGS`), so
 * REAL is the dockerd asked --version (--autonet-exec=REAL would ask nothing).
 */
export async function planFor(tree: Tree, real: string, args: string[], ours: string[] = []): Promise<PlanJson> {
  const r = await tree.run(['node', tree.at(BUNDLE), ...ours, 'plan', '--json', '--', tree.at(real), ...args])
  return JSON.parse(r.stdout) as PlanJson
}

/**
 * The argv the real dockerd must get: the caller's argv, then the plan's flags, as
 * `plan --json` on this same machine says for the same dockerd.
 */
export async function expectPlanned(t: Test, tree: Tree, real: string, args: string[], ours: string[] = []): Promise<string[]> {
  const plan = await planFor(tree, real, args, ours)
  t.same(plan.actions, [], 'nothing in the plan would change this machine')
  t.same(plan.args.slice(0, args.length), args, 'the plan keeps the given flags first and in order')
  if (plan.mtu !== null) t.ok(plan.args.includes(`--mtu=${plan.mtu}`), `this machine gets --mtu=${plan.mtu}`)
  t.comment(`planned here: ${plan.args.slice(args.length).join(' ') || '(nothing)'}`)
  t.comment(`the real dockerd must get: ROOT${real} ${plan.args.join(' ')}`)
  return [tree.at(real), ...plan.args]
}
