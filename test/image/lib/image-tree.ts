/**
 * The images' files laid out under a temp root, so the chain an image runs (entrypoint → dind →
 * docker-init → our shim → dockerd-autonet → the real dockerd) runs here with no engine and no
 * registry. Everything /usr/local/… in our shim and in the stand-in entrypoint is rebased into
 * the root; the real dockerd is a stub that records the argv it was exec'd with.
 */
import { execa } from 'execa'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../../..', import.meta.url))

/**
 * Where the Dockerfiles put things. test/image/dockerfile.test.ts checks that the Dockerfiles
 * and image/dockerd-shim.sh say the same; the chain tests lay the trees out from these.
 */
export const PATHS = {
  /** The bundle, and the command name the shim runs it by (a symlink to the bundle). */
  bundle: '/usr/local/lib/dockerd-autonet/dockerd-autonet.mjs',
  wrapper: '/usr/local/bin/dockerd-autonet',
  /** docker:dind: the real dockerd stays where the base put it; the shim comes first in PATH. */
  dindReal: '/usr/local/bin/dockerd',
  dindShim: '/usr/local/sbin/dockerd',
  /** plugins/docker execs /usr/local/bin/dockerd by absolute path: the shim takes that path. */
  droneShim: '/usr/local/bin/dockerd',
  droneReal: '/usr/local/libexec/dockerd-autonet/dockerd',
} as const

/** Fixes that would change this machine (iptables, conntrack, bridge MAC) stay off in tests. */
export const NO_CHANGES = { DOCKERD_AUTONET_NO_CLAMP_MSS: '1', DOCKERD_AUTONET_NO_CONNTRACK: '1', DOCKERD_AUTONET_NO_BRIDGE_MAC: '1' }

/** The Docker version the stub real dockerd claims, as the pinned base image would. */
export const STUB_VERSION = '29.7.2'

/** tsc, then scripts/bundle.mjs into `dir`; returns the bundle's path. */
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
`
// docker-init is tini: `docker-init -- CMD ARGS` execvp's CMD, so CMD is found by PATH.
const STUB_DOCKER_INIT = '#!/bin/sh\n[ "$1" = -- ] && shift\nexec "$@"\n'
// hack/dind ends with exec "$@" after its mounts.
const STUB_PASS_THROUGH = '#!/bin/sh\nexec "$@"\n'

export interface RunResult { exitCode: number, stdout: string, stderr: string }

export interface Tree {
  root: string
  /** Absolute path of an image path inside this tree. */
  at(imagePath: string): string
  /** argv[0..] the stub real dockerd was last started with (its own path first), or null. */
  recorded(): string[] | null
  /** Run a command with the image-like PATH and environment; never rejects. */
  run(cmd: string[], env?: Record<string, string>): Promise<RunResult>
  remove(): void
}

/**
 * A temp root laid out as the `dind` image (Dockerfile) or the `drone` image
 * (image/drone/Dockerfile), with `bundle` as dockerd-autonet.
 */
export function makeTree(kind: 'dind' | 'drone', bundle: string): Tree {
  const root = mkdtempSync(join(tmpdir(), `autonet-${kind}-`))
  const at = (p: string) => join(root, p)
  const put = (p: string, text: string) => {
    mkdirSync(dirname(at(p)), { recursive: true })
    writeFileSync(at(p), text)
    chmodSync(at(p), 0o755)
  }
  const shim = rebase(readFileSync(join(REPO, 'image/dockerd-shim.sh'), 'utf8'), root)
  put('/usr/local/bin/dockerd-entrypoint.sh', rebase(readFileSync(join(REPO, 'test/image/fixtures/dockerd-entrypoint.sh'), 'utf8'), root))
  put('/usr/local/bin/docker-entrypoint.sh', STUB_PASS_THROUGH)
  put('/usr/local/bin/dind', STUB_PASS_THROUGH)
  put('/usr/local/bin/docker-init', STUB_DOCKER_INIT)
  if (kind === 'dind') {
    put(PATHS.dindReal, STUB_DOCKERD)
    put(PATHS.dindShim, shim)
  } else {
    put(PATHS.droneReal, STUB_DOCKERD)
    put(PATHS.droneShim, shim)
  }
  mkdirSync(dirname(at(PATHS.bundle)), { recursive: true })
  copyFileSync(bundle, at(PATHS.bundle))
  chmodSync(at(PATHS.bundle), 0o755)
  symlinkSync(at(PATHS.bundle), at(PATHS.wrapper))
  const record = join(root, 'record')
  return {
    root,
    at,
    recorded: () => existsSync(record) ? readFileSync(record, 'utf8').split('\0').slice(0, -1) : null,
    async run(cmd, env = {}) {
      rmSync(record, { force: true })
      const r = await execa(cmd[0], cmd.slice(1), {
        reject: false,
        stdin: 'ignore',
        timeout: 60_000,
        env: {
          ...NO_CHANGES,
          // As in the image: /usr/local/sbin before /usr/local/bin. The system directories
          // follow for ip and conntrack, node's own directory last for the bundle's shebang.
          PATH: [`${root}/usr/local/sbin`, `${root}/usr/local/bin`, '/usr/sbin', '/usr/bin', '/sbin', '/bin', dirname(process.execPath)].join(':'),
          AUTONET_TEST_RECORD: record,
          ...env,
        },
        extendEnv: false,
      })
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  }
}
