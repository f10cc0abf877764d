/**
 * The README recipe ("Put it into an image that starts dockerd itself") against stub trees of
 * the images that start dockerd themselves (lib/image-tree.ts LAYOUTS): the recipe's `install`
 * step runs into each tree, then dockerd is started the way that image starts it (s6's run
 * script, supervisord's command=, earthly's wrapper, systemd's ExecStart=), and the real
 * dockerd must receive exactly the caller's argv followed by the flags `plan --json` gives for
 * this machine.
 */
import t, { type Test } from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBundle, expectPlanned, installArgs, type Layout, LAYOUTS, makeBaseTree, makeTree, PATHS, REPO, SH, type Tree } from './lib/image-tree.js'

let bundle = ''
const work = mkdtempSync(join(tmpdir(), 'autonet-layouts-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
t.before(async () => {
  bundle = await buildBundle(work)
})

const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
const section = readme.slice(readme.indexOf('### Put it into an image that starts dockerd itself'), readme.indexOf('### Building the images'))
const recipes = [...section.matchAll(/```dockerfile\n([\s\S]*?)```/g)].map((m) => m[1])

t.test('the README recipe: copy from our image, then packages and install, for Alpine and Debian', async (t) => {
  t.equal(recipes.length, 2, 'an Alpine and a Debian recipe')
  for (const r of recipes) {
    const lines = r.trim().split('\n')
    t.same(lines.slice(1).map((l) => l.split(' ')[0]), ['COPY', 'RUN'], 'two lines after FROM')
    t.equal(lines[1], `COPY --from=ghcr.io/OWNER/dockerd-autonet:VERSION ${PATHS.bundle.replace(/[^/]+$/, '')} ${PATHS.bundle.replace(/[^/]+$/, '')}`,
      'our image (the placeholder) and the directory with the bundle and the shim template')
    t.match(lines[2], `node ${PATHS.bundle} install`, 'install runs the copied bundle')
    t.same(installArgs(r, 'README recipe'), [], 'install with its defaults (replace mode, the first dockerd on PATH)')
  }
  t.match(recipes[0], /apk add --no-cache nodejs iproute2-minimal conntrack-tools && node /, 'Alpine: nodejs, ip -j, conntrack')
  t.match(recipes[1], /apt-get install -y --no-install-recommends nodejs iproute2 conntrack && /, 'Debian: nodejs, iproute2, conntrack')
  for (const layout of ['act-runner', 'arc-runner-dind', 'earthly', 'debian-docker-ce', 'debian-docker-io'] as const) {
    t.ok(section.includes(`\`${LAYOUTS[layout].real}\``), `the table names where the shim goes for ${layout}: ${LAYOUTS[layout].real}`)
  }
})

/** The recipe installed into `layout`, checked to have put the shim at the binary's path. */
async function recipeTree(t: Test, layout: Layout): Promise<Tree> {
  const tree = await makeTree(layout, bundle, installArgs(recipes[0], 'README recipe'))
  t.teardown(tree.remove)
  const record = JSON.parse(readFileSync(tree.at(PATHS.manifest), 'utf8')) as { shim: string, real: string, mode: string }
  t.same(record, { ...record, mode: 'replace', shim: LAYOUTS[layout].real, real: PATHS.moved }, `the shim took ${LAYOUTS[layout].real}; the binary moved`)
  return tree
}

t.test('act_runner *-dind: s6 runs `exec dockerd-entrypoint.sh`, docker-init finds dockerd by PATH', async (t) => {
  const tree = await recipeTree(t, 'act-runner')
  // DOCKER_TLS_CERTDIR=/certs is the docker:dind base's ENV.
  const entry = [
    '--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2376', '--tlsverify',
    '--tlscacert', '/certs/server/ca.pem', '--tlscert', '/certs/server/cert.pem', '--tlskey', '/certs/server/key.pem',
  ]
  const expected = await expectPlanned(t, tree, PATHS.moved, entry)
  const r = await tree.run([...SH, tree.at('/etc/s6/docker/run')], { DOCKER_TLS_CERTDIR: '/certs' })
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
  t.match(r.stderr, /^dockerd-autonet: starting: /m, 'dockerd-autonet started it')
})

t.test('ARC runner-dind: supervisord runs command=/usr/bin/dockerd by absolute path', async (t) => {
  const tree = await recipeTree(t, 'arc-runner-dind')
  const conf = readFileSync(tree.at('/etc/supervisor/conf.d/dockerd.conf'), 'utf8')
  // supervisord splits command= into words (shlex) and execve's the first one: no shell, no PATH for an absolute path.
  const [program, ...args] = /^command=(.*)$/m.exec(conf)![1].trim().split(/\s+/)
  t.equal(program, '/usr/bin/dockerd')
  const expected = await expectPlanned(t, tree, PATHS.moved, args)
  const r = await tree.run([tree.at(program), ...args])
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
})

t.test('earthly: dockerd-wrapper.sh starts dockerd by PATH in the background and waits', async (t) => {
  const tree = await recipeTree(t, 'earthly')
  const expected = await expectPlanned(t, tree, PATHS.moved, ['--data-root=/var/earthly/dind'])
  const r = await tree.run([...SH, tree.at('/usr/bin/dockerd-wrapper.sh')])
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
})

for (const layout of ['debian-docker-ce', 'debian-docker-io'] as const) {
  t.test(`Debian host (${layout}): systemd's ExecStart= names ${LAYOUTS[layout].real}`, async (t) => {
    const tree = await recipeTree(t, layout)
    const unit = readFileSync(tree.at('/lib/systemd/system/docker.service'), 'utf8')
    const [program, ...args] = /^ExecStart=(.*)$/m.exec(unit)![1].trim().split(/\s+/)
    t.equal(program, LAYOUTS[layout].real)
    const expected = await expectPlanned(t, tree, PATHS.moved, args)
    const r = await tree.run([tree.at(program), ...args])
    t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
    t.same(tree.recorded(), expected)
  })
}

t.test('--mode=path with a dockerd outside /usr/local (earthly\'s /usr/bin): the shim first in PATH, the binary stays', async (t) => {
  const tree = await makeTree('earthly', bundle, ['--mode=path'])
  t.teardown(tree.remove)
  const record = JSON.parse(readFileSync(tree.at(PATHS.manifest), 'utf8')) as { shim: string, real: string }
  t.equal(record.shim, PATHS.dindShim, 'the shim is in /usr/local/sbin, the first PATH directory')
  t.equal(record.real, '/usr/bin/dockerd', 'the binary stays where apk put it')
  const expected = await expectPlanned(t, tree, '/usr/bin/dockerd', ['--data-root=/var/earthly/dind'])
  const r = await tree.run([...SH, tree.at('/usr/bin/dockerd-wrapper.sh')])
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
})

t.test('control: without install, the same caller reaches the stub directly and nothing is planned', async (t) => {
  // What every test above would see if install had not put the shim in place.
  const tree = makeBaseTree('arc-runner-dind', bundle)
  t.teardown(tree.remove)
  const r = await tree.run([tree.at('/usr/bin/dockerd')])
  t.equal(r.exitCode, 0, { stderr: r.stderr })
  t.same(tree.recorded(), [tree.at('/usr/bin/dockerd')], 'the bare argv: no shim, no planned flags')
})
