/**
 * The Dockerfiles without a registry or an engine: pinned bases, sources that exist and reach
 * the build context, destinations that agree with the shim and with the upstream layout, and
 * the shim's shell syntax (shellcheck and hadolint when this machine has them).
 *
 * Upstream facts, read from docker-library/docker (29/dind/Dockerfile, dockerd-entrypoint.sh,
 * 29/cli/Dockerfile) and drone-plugins/drone-docker (daemon.go, docker.go,
 * docker/docker/Dockerfile.linux.amd64) at the versions pinned below:
 * - dockerd, docker-init and the `dind` helper are in /usr/local/bin; the entrypoint is
 *   /usr/local/bin/dockerd-entrypoint.sh; PATH is Alpine's (/usr/local/sbin first), the
 *   entrypoint only prepends /usr/local/sbin/.iptables-legacy;
 * - the entrypoint ends in `exec "$@"` with "$@" = [/usr/local/bin/dind] docker-init -- dockerd …,
 *   so dockerd is found by PATH (docker-init is tini, which execvp's);
 * - plugins/docker execs "/usr/local/bin/dockerd" by absolute path (dockerdExe) and its
 *   ENTRYPOINT is ["/usr/local/bin/dockerd-entrypoint.sh", "/bin/drone-docker"].
 */
import t from 'tap'
import { execa } from 'execa'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PATHS, REPO } from './lib/image-tree.js'

interface Instruction { op: string, args: string, line: number }

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function parse(file: string): Instruction[] {
  const out: Instruction[] = []
  let pending = ''
  let start = 0
  readFileSync(join(REPO, file), 'utf8').split('\n').forEach((raw, i) => {
    if (!pending && /^\s*(#|$)/.test(raw)) return
    if (pending && /^\s*#/.test(raw)) return
    if (!pending) start = i + 1
    pending += raw.replace(/\\$/, ' ')
    if (raw.endsWith('\\')) return
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(pending)
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: start })
    pending = ''
  })
  return out
}

const DOCKERFILES = { dind: 'Dockerfile', drone: 'image/drone/Dockerfile' } as const
const shim = readFileSync(join(REPO, 'image/dockerd-shim.sh'), 'utf8')
const shimVar = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(shim)?.[1]
const dockerignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))

t.test('bases are pinned to a full version', async (t) => {
  const from = (f: string) => parse(f).filter((i) => i.op === 'FROM').map((i) => i.args)
  t.same(from(DOCKERFILES.dind).length, 1)
  t.match(from(DOCKERFILES.dind)[0], /^docker:\d+\.\d+\.\d+-dind-alpine\d+\.\d+$/, 'docker:X.Y.Z-dind-alpineA.B (the Alpine release decides the nodejs version)')
  t.match(from(DOCKERFILES.drone)[0], /^plugins\/docker:\d+\.\d+\.\d+$/)
  for (const f of Object.values(DOCKERFILES)) t.notMatch(from(f).join(' '), /latest|:\d+(-|$)/, `${f}: no floating tag`)
})

t.test('the engine version told to the wrapper is the base image\'s', async (t) => {
  const ins = parse(DOCKERFILES.dind)
  const base = /^docker:(\d+\.\d+\.\d+)-/.exec(ins.find((i) => i.op === 'FROM')!.args)?.[1]
  const env = ins.filter((i) => i.op === 'ENV').map((i) => /^DOCKERD_AUTONET_DOCKERD_VERSION=(\S+)$/.exec(i.args)?.[1]).find(Boolean)
  t.equal(env, base, `DOCKERD_AUTONET_DOCKERD_VERSION=${env} matches FROM docker:${base}`)
  t.ok(ins.some((i) => i.op === 'RUN' && i.args.includes('/usr/local/bin/dockerd --version | grep -F "version $DOCKERD_AUTONET_DOCKERD_VERSION,"')), 'and the build checks it against the binary')
})

t.test('no npm in the images; ENTRYPOINT and CMD are the bases\'', async (t) => {
  for (const f of Object.values(DOCKERFILES)) {
    const ins = parse(f)
    t.notOk(ins.some((i) => /\bnpm\b|\bnpx\b|yarn/.test(i.args)), `${f}: no npm at build time`)
    t.notOk(ins.some((i) => ['ENTRYPOINT', 'CMD'].includes(i.op)), `${f}: ENTRYPOINT/CMD inherited`)
    t.notOk(ins.some((i) => i.op === 'ADD'), `${f}: COPY only`)
  }
})

t.test('COPY sources exist (or are what npm run bundle writes) and pass .dockerignore', async (t) => {
  const bundled = ['dist/dockerd-autonet.mjs', 'dist/dockerd-autonet.mjs.LICENSES.txt']
  t.match(readFileSync(join(REPO, 'scripts/bundle.mjs'), 'utf8'), /'dist\/dockerd-autonet\.mjs'[\s\S]*\.LICENSES\.txt/, 'the bundle script writes both dist/ files')
  for (const f of Object.values(DOCKERFILES)) {
    for (const i of parse(f).filter((i) => i.op === 'COPY')) {
      const [src] = i.args.split(/\s+/)
      t.ok(bundled.includes(src) || existsSync(join(REPO, src)), `${f}:${i.line} ${src} exists`)
      t.ok(dockerignore.includes(`!${src}`) || dockerignore.some((l) => l.endsWith('/') && src.startsWith(l.slice(1))),
        `${f}:${i.line} ${src} is let through .dockerignore`)
    }
  }
})

t.test('destinations agree with the shim and with the upstream layout', async (t) => {
  t.equal(shimVar('real'), PATHS.dindReal, 'the shim\'s real dockerd is upstream\'s /usr/local/bin/dockerd')
  t.equal(shimVar('moved'), PATHS.droneReal)
  t.equal(shimVar('wrapper'), PATHS.wrapper)
  const dind = readFileSync(join(REPO, DOCKERFILES.dind), 'utf8')
  const drone = readFileSync(join(REPO, DOCKERFILES.drone), 'utf8')
  t.match(dind, `COPY image/dockerd-shim.sh ${PATHS.dindShim}\n`, 'dind: shim in /usr/local/sbin, ahead of /usr/local/bin in PATH')
  t.match(dind, `COPY dist/dockerd-autonet.mjs ${PATHS.bundle}\n`)
  t.match(dind, `ln -s ${PATHS.bundle} ${PATHS.wrapper};`)
  t.notMatch(dind, /\bmv\b.*dockerd/, 'dind: the real dockerd stays in place')
  t.match(drone, `mv ${PATHS.dindReal} ${PATHS.droneReal}`, 'drone: the real binary moves to where the shim looks')
  t.match(drone, `COPY image/dockerd-shim.sh ${PATHS.droneShim}\n`, 'drone: shim at the path drone-docker execs')
  t.match(drone, `COPY dist/dockerd-autonet.mjs ${PATHS.bundle}\n`)
  t.match(drone, `ln -s ${PATHS.bundle} ${PATHS.wrapper};`)
  t.equal(PATHS.dindShim.replace('/sbin/', '/bin/'), PATHS.dindReal, 'shim and binary differ only by sbin/bin')
  t.match(shim, /exec "\$wrapper" "\$real" "\$@"/, 'the shim names the real dockerd by path (no PATH lookup back into itself)')
  t.ok(PATHS.droneReal.endsWith('/dockerd'), 'the moved binary is still called dockerd (so the wrapper plans for it)')
})

t.test('the shim parses in the shells the images and this machine have', async (t) => {
  for (const sh of [['/bin/sh'], ['/usr/bin/busybox', 'sh']].filter((s) => existsSync(s[0]))) {
    const r = await execa(sh[0], [...sh.slice(1), '-n', join(REPO, 'image/dockerd-shim.sh')], { reject: false })
    t.equal(r.exitCode, 0, `${sh.join(' ')} -n`, { stderr: r.stderr })
  }
  t.ok(readFileSync(join(REPO, 'image/dockerd-shim.sh'), 'utf8').startsWith('#!/bin/sh\n'))
})

t.test('shellcheck and hadolint, when installed', async (t) => {
  const has = async (tool: string) => (await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).exitCode === 0
  if (await has('shellcheck')) {
    const r = await execa('shellcheck', ['-s', 'sh', 'image/dockerd-shim.sh', 'test/image/fixtures/dockerd-entrypoint.sh'], { cwd: REPO, reject: false })
    t.equal(r.exitCode, 0, 'shellcheck is clean', { stdout: r.stdout })
  } else {
    t.comment('shellcheck not installed (apt-get install shellcheck): not run')
  }
  if (await has('hadolint')) {
    for (const f of Object.values(DOCKERFILES)) {
      const r = await execa('hadolint', [f], { cwd: REPO, reject: false })
      t.equal(r.exitCode, 0, `hadolint ${f}`, { stdout: r.stdout })
    }
  } else {
    t.comment('hadolint not installed (not packaged for Debian or npm): not run')
  }
})
