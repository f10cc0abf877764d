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
import { dirname, join } from 'node:path'
import { IMAGE_INSTALL_ARGS, PATHS, REPO } from './lib/image-tree.js'
import { MAX_HANDOVERS, SAVED_NODE_OPTIONS_VAR, WRAPPED_VAR } from '../../src/cli/handover.js'

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

const DOCKERFILES = { dind: 'Dockerfile', drone: 'image/drone/Dockerfile', 'dind-rootless': 'image/rootless/Dockerfile' } as const
const shim = readFileSync(join(REPO, 'image/dockerd-shim.sh'), 'utf8')
const shimVar = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(shim)?.[1]
const dockerignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))

t.test('bases are pinned to a full version', async (t) => {
  const from = (f: string) => parse(f).filter((i) => i.op === 'FROM').map((i) => i.args)
  t.same(from(DOCKERFILES.dind).length, 1)
  t.match(from(DOCKERFILES.dind)[0], /^docker:\d+\.\d+\.\d+-dind-alpine\d+\.\d+$/, 'docker:X.Y.Z-dind-alpineA.B (the Alpine release decides the nodejs version)')
  t.match(from(DOCKERFILES.drone)[0], /^plugins\/docker:\d+\.\d+\.\d+$/)
  t.match(from(DOCKERFILES['dind-rootless'])[0], /^docker:\d+\.\d+\.\d+-dind-rootless$/, 'docker:X.Y.Z-dind-rootless (FROM docker:X.Y.Z-dind upstream)')
  for (const f of Object.values(DOCKERFILES)) t.notMatch(from(f).join(' '), /latest|:\d+(-|$)/, `${f}: no floating tag`)
})

t.test('the engine version told to the wrapper is the base image\'s', async (t) => {
  for (const f of [DOCKERFILES.dind, DOCKERFILES['dind-rootless']]) {
    const ins = parse(f)
    const base = /^docker:(\d+\.\d+\.\d+)-/.exec(ins.find((i) => i.op === 'FROM')!.args)?.[1]
    const env = ins.filter((i) => i.op === 'ENV').map((i) => /^DOCKERD_AUTONET_DOCKERD_VERSION=(\S+)$/.exec(i.args)?.[1]).find(Boolean)
    t.equal(env, base, `${f}: DOCKERD_AUTONET_DOCKERD_VERSION=${env} matches FROM docker:${base}`)
    t.ok(ins.some((i) => i.op === 'RUN' && i.args.includes('/usr/local/bin/dockerd --version | grep -F "version $DOCKERD_AUTONET_DOCKERD_VERSION,"')), `${f}: the build checks it against the binary`)
  }
})

t.test('rootless: root for the build steps only; the image runs as the base\'s rootless user', async (t) => {
  const ins = parse(DOCKERFILES['dind-rootless'])
  const users = ins.filter((i) => i.op === 'USER')
  t.same(users.map((u) => u.args), ['root', 'rootless'], 'USER root, then back to rootless (docker:dind-rootless: USER rootless)')
  const runs = ins.filter((i) => i.op === 'RUN')
  t.ok(runs.length > 0 && runs.every((r) => r.line > users[0].line && r.line < users[1].line), 'every RUN between them')
  t.equal(ins[ins.length - 1].op, 'USER', 'nothing after the switch back')
  const version = (f: string) => /^docker:(\d+\.\d+\.\d+)-/.exec(parse(f).find((i) => i.op === 'FROM')!.args)?.[1]
  t.equal(version(DOCKERFILES['dind-rootless']), version(DOCKERFILES.dind), 'the same engine as the main image (bump them together)')
  t.notMatch(ins.filter((i) => i.op === 'RUN').map((i) => i.args).join(' '), /iproute2/, 'the base already has iproute2 (ip -j) for rootlesskit')
  t.match(readFileSync(join(REPO, DOCKERFILES['dind-rootless']), 'utf8'), `test "$(command -v dockerd)" = ${PATHS.dindShim};`, 'the build checks where PATH lands')
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
    for (const i of parse(f).filter((i) => i.op === 'COPY')) for (const src of i.args.split(/\s+/).slice(0, -1)) {
      t.ok(bundled.includes(src) || existsSync(join(REPO, src)), `${f}:${i.line} ${src} exists`)
      t.ok(dockerignore.includes(`!${src}`) || dockerignore.some((l) => l.endsWith('/') && src.startsWith(l.slice(1))),
        `${f}:${i.line} ${src} is let through .dockerignore`)
    }
  }
})

t.test('destinations agree with the shim, with install and with the upstream layout', async (t) => {
  t.equal(shimVar('real'), PATHS.dindReal, 'the template\'s real dockerd is upstream\'s /usr/local/bin/dockerd (install rewrites it)')
  t.equal(shimVar('moved'), PATHS.moved)
  t.equal(shimVar('wrapper'), PATHS.wrapper)
  t.match(shim, /exec "\$wrapper" "\$real" "\$@"/, 'the shim names the real dockerd by path (no PATH lookup back into itself)')
  t.match(shim, new RegExp(`\\$\\{${WRAPPED_VAR}:-\\}`), `the shim reads the loop guard's ${WRAPPED_VAR} (src/cli/handover.ts)`)
  t.match(shim, new RegExp(`if \\[ "\\$handovers" -ge ${MAX_HANDOVERS} \\]; then`), `and stops at the same MAX_HANDOVERS (${MAX_HANDOVERS})`)
  t.match(shim, new RegExp(`^\\t${SAVED_NODE_OPTIONS_VAR}=\\$NODE_OPTIONS$`, 'm'), `the shim keeps NODE_OPTIONS where the wrapper looks (${SAVED_NODE_OPTIONS_VAR})`)
  t.ok(PATHS.moved.endsWith('/dockerd'), 'the moved binary is still called dockerd (so the wrapper plans for it)')
  for (const [kind, f] of Object.entries(DOCKERFILES)) {
    const text = readFileSync(join(REPO, f), 'utf8')
    const copies = parse(f).filter((i) => i.op === 'COPY').map((i) => i.args.split(/\s+/))
    t.same(copies, [['dist/dockerd-autonet.mjs', 'dist/dockerd-autonet.mjs.LICENSES.txt', 'image/dockerd-shim.sh', `${dirname(PATHS.bundle)}/`]],
      `${f}: one COPY of the bundle, its notices and the shim template into ${dirname(PATHS.bundle)}/`)
    t.equal(`${dirname(PATHS.bundle)}/dockerd-shim.sh`, PATHS.shimSource, 'where install looks for the template')
    t.match(text, `node ${PATHS.bundle} install`, `${f}: install runs the bundle from where it was copied`)
    t.notMatch(text, /\bmv\b|\bln -s\b|COPY image\/dockerd-shim\.sh \/usr\/local\/s?bin/, `${f}: no hand-written steps left (mv, ln -s, the shim copied over dockerd)`)
    t.ok(IMAGE_INSTALL_ARGS[kind as keyof typeof IMAGE_INSTALL_ARGS], `${f}: install step found`)
  }
  t.same(IMAGE_INSTALL_ARGS.dind, ['--mode=path'], 'dind: the shim ahead in PATH, the official binary untouched (docker-init finds dockerd by PATH)')
  t.same(IMAGE_INSTALL_ARGS['dind-rootless'], ['--mode=path'], 'dind-rootless: the same (docker-init under rootlesskit finds dockerd by PATH)')
  t.match(readFileSync(join(REPO, DOCKERFILES.dind), 'utf8'), `test "$(command -v dockerd)" = ${PATHS.dindShim};`, 'dind: the build checks where PATH lands')
  t.same(IMAGE_INSTALL_ARGS.drone, [`--dockerd=${PATHS.droneShim}`], 'drone: in front of the path drone-docker execs (replace mode, the default)')
})

t.test('the shim parses in the shells the images and this machine have', async (t) => {
  for (const sh of [['/bin/sh'], ['/usr/bin/busybox', 'sh']].filter((s) => existsSync(s[0]))) {
    const r = await execa(sh[0], [...sh.slice(1), '-n', join(REPO, 'image/dockerd-shim.sh')], { reject: false })
    t.equal(r.exitCode, 0, `${sh.join(' ')} -n`, { stderr: r.stderr })
  }
  t.ok(readFileSync(join(REPO, 'image/dockerd-shim.sh'), 'utf8').startsWith('#!/bin/sh\n'))
})

t.test('the code cache is made in the image, by its Node, before any other run of the bundle', async (t) => {
  const warmUp = `node ${PATHS.bundle} --autonet-dry-run > /dev/null 2>&1`
  for (const f of Object.values(DOCKERFILES)) {
    const ins = parse(f)
    const copy = ins.findIndex((i) => i.op === 'COPY' && i.args.startsWith('dist/dockerd-autonet.mjs '))
    // Every shell command after the COPY, in order, that runs the bundle or its link.
    const runs = ins.slice(copy + 1).filter((i) => i.op === 'RUN')
      .flatMap((i) => i.args.replace(/^set -eux;\s*/, '').split(/\s*(?:;|&&)\s*/)).filter((c) => /dockerd-autonet/.test(c))
    t.equal(runs[0], warmUp, `${f}: the first run of the bundle is the dry-run warm-up`)
    t.ok(runs.length > 1 && runs.slice(1).every((c) => !c.includes('--autonet-dry-run')), `${f}: once, then install`)
    t.notOk(ins.slice(0, copy).some((i) => i.op === 'RUN' && i.args.includes('dockerd-autonet')), `${f}: nothing runs it before the COPY`)
  }
  t.notOk(dockerignore.includes('!dist/dockerd-autonet.mjs.v8cache') || dockerignore.some((l) => l.startsWith('!dist/') && l.endsWith('*')),
    'the build machine\'s cache stays out of the build context (its V8 is not the image\'s)')
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
