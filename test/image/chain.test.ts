/**
 * The images' start-up chain, run for real against stub trees (lib/image-tree.ts): the way
 * `docker run IMAGE …`, a GitLab `services:` entry and the Drone plugin start dockerd, down to
 * the exact argv the real dockerd receives. The expected planned flags come from
 * `dockerd-autonet plan --json` on this same machine, asked about the same dockerd.
 */
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildBundle, makeTree, PATHS, SH, STUB_VERSION, type Tree } from './lib/image-tree.js'

let bundle = ''
const work = mkdtempSync(join(tmpdir(), 'autonet-chain-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
t.before(async () => {
  bundle = await buildBundle(work)
})

interface PlanJson { mtu: number | null, args: string[], actions: unknown[] }

/** What dockerd-autonet plans on this machine for `real` started with `args` (and our options). */
async function planFor(tree: Tree, real: string, args: string[], ours: string[] = []): Promise<PlanJson> {
  const r = await tree.run(['node', bundle, `--autonet-exec=${tree.at(real)}`, ...ours, 'plan', '--json', '--', ...args])
  return JSON.parse(r.stdout) as PlanJson
}

/** The argv the real dockerd must get: the entrypoint's/plugin's argv, then the plan's flags. */
async function expectPlanned(t: Test, tree: Tree, real: string, args: string[], ours: string[] = []): Promise<string[]> {
  const plan = await planFor(tree, real, args, ours)
  t.same(plan.actions, [], 'nothing in the plan would change this machine')
  t.same(plan.args.slice(0, args.length), args, 'the plan keeps the given flags first and in order')
  if (plan.mtu !== null) t.ok(plan.args.includes(`--mtu=${plan.mtu}`), `this machine gets --mtu=${plan.mtu}`)
  t.comment(`planned here: ${plan.args.slice(args.length).join(' ') || '(nothing)'}`)
  return [tree.at(real), ...plan.args]
}

t.test('docker run --privileged IMAGE --tls=false: entrypoint defaults, user flag, planned flags', async (t) => {
  const tree = makeTree('dind', bundle)
  t.teardown(tree.remove)
  // DOCKER_TLS_CERTDIR=/certs is the image's default (ENV in docker:cli).
  const env = { DOCKER_TLS_CERTDIR: '/certs' }
  const entry = [
    '--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2376', '--tlsverify',
    '--tlscacert', '/certs/server/ca.pem', '--tlscert', '/certs/server/cert.pem', '--tlskey', '/certs/server/key.pem',
    '--tls=false',
  ]
  const expected = await expectPlanned(t, tree, PATHS.dindReal, entry)
  const r = await tree.run([...SH, tree.at('/usr/local/bin/dockerd-entrypoint.sh'), '--tls=false'], env)
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
  t.match(r.stderr, /^dockerd-autonet: /m, 'the wrapper ran (its log lines)')
})

t.test('GitLab services: command: ["--registry-mirror=…"] with TLS off', async (t) => {
  const tree = makeTree('dind', bundle)
  t.teardown(tree.remove)
  const env = { DOCKER_TLS_CERTDIR: '' }
  const entry = ['--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2375', '--registry-mirror=https://mirror.example']
  const expected = await expectPlanned(t, tree, PATHS.dindReal, entry)
  const r = await tree.run([...SH, tree.at('/usr/local/bin/dockerd-entrypoint.sh'), '--registry-mirror=https://mirror.example'], env)
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
})

t.test('GitLab command with one of our flags among dockerd\'s: taken out, applied', async (t) => {
  const tree = makeTree('dind', bundle)
  t.teardown(tree.remove)
  const env = { DOCKER_TLS_CERTDIR: '' }
  const entry = ['--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2375', '--registry-mirror=https://mirror.example']
  const expected = await expectPlanned(t, tree, PATHS.dindReal, entry, ['--autonet-max-mtu=9000'])
  const r = await tree.run([...SH, tree.at('/usr/local/bin/dockerd-entrypoint.sh'), '--autonet-max-mtu=9000', '--registry-mirror=https://mirror.example'], env)
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
})

t.test('DOCKERD_AUTONET_* env reaches the wrapper through the entrypoint', async (t) => {
  const tree = makeTree('dind', bundle)
  t.teardown(tree.remove)
  const entry = ['--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2375']
  const r = await tree.run([...SH, tree.at('/usr/local/bin/dockerd-entrypoint.sh')], { DOCKER_TLS_CERTDIR: '', DOCKERD_AUTONET_DISABLE: '1' })
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), [tree.at(PATHS.dindReal), ...entry], 'disabled: exactly the entrypoint\'s argv')
})

t.test('Drone plugins/docker: its absolute /usr/local/bin/dockerd lands on the shim', async (t) => {
  const tree = makeTree('drone', bundle)
  t.teardown(tree.remove)
  // drone-docker's commandDaemon: exec.Command("/usr/local/bin/dockerd", "--data-root", …).
  const daemon = ['--data-root', '/var/lib/docker', '--host=unix:///var/run/docker.sock']
  const expected = await expectPlanned(t, tree, PATHS.droneReal, daemon)
  const r = await tree.run([tree.at(PATHS.droneShim), ...daemon], { DOCKER_HOST: 'unix:///var/run/docker.sock' })
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), expected)
})

t.test('dockerd --version through the shim: the real binary answers, nothing is planned', async (t) => {
  const tree = makeTree('dind', bundle)
  t.teardown(tree.remove)
  const r = await tree.run(['dockerd', '--version'])
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.equal(r.stdout.trim(), `Docker version ${STUB_VERSION}, build 0000000`)
  t.notMatch(r.stderr, /starting:/, 'no plan, no start')
})

t.test('shim fails open: without dockerd-autonet the real dockerd starts with the argv unchanged', async (t) => {
  const tree = makeTree('dind', bundle)
  t.teardown(tree.remove)
  unlinkSync(tree.at(PATHS.wrapper))
  const r = await tree.run([...SH, tree.at(PATHS.dindShim), '--data-root', '/x'])
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), [tree.at(PATHS.dindReal), '--data-root', '/x'])
  t.match(r.stderr, /dockerd-autonet or node is missing/)
})

t.test('shim at the real binary\'s path without the moved binary: a clear error, no loop', async (t) => {
  const tree = makeTree('drone', bundle)
  t.teardown(tree.remove)
  unlinkSync(tree.at(PATHS.droneReal))
  const r = await tree.run([tree.at(PATHS.droneShim), '--data-root', '/x'])
  t.equal(r.exitCode, 127)
  t.match(r.stderr, /is this shim; move the real dockerd to .*\/usr\/local\/libexec\/dockerd-autonet\/dockerd/)
  t.equal(tree.recorded(), null)
})

t.test('the planner sees the stub engine through the explicit path (version-gated flag)', async (t) => {
  const tree = makeTree('dind', bundle)
  t.teardown(tree.remove)
  const plan = await planFor(tree, PATHS.dindReal, [])
  if (plan.mtu === null) {
    t.comment('no egress MTU on this machine: nothing version-gated to see')
    t.same(plan.args, [])
    return
  }
  t.ok(plan.args.some((a) => a.startsWith('--default-network-opt=')), `Docker ${STUB_VERSION} (from the stub) gets --default-network-opt`)
})
