/**
 * The docker:dind-rootless start-up chain, run for real against a stub tree of that image's
 * layout (lib/image-tree.ts 'dind-rootless') with dockerd-autonet installed as
 * image/rootless/Dockerfile installs it (`--mode=path`): the entrypoint's rootless branch (a non-root uid) → rootlesskit
 * (a stub that marks its child with ROOTLESSKIT_STATE_DIR, as the real one does) → docker-init
 * → `dockerd` by PATH = our shim → dockerd-autonet → the real dockerd, down to the argv it gets.
 * rootlesskit's API is served on the state dir's api.sock by this test.
 *
 * Safety: the chain runs with NO_CHANGES (no iptables, conntrack or MAC change here); only the
 * pure `plan --json` is asked with the fixes switched on, to show what rootless withdraws.
 */
import t, { type Test } from 'tap'
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BUNDLE } from '../../src/install/layout.js'
import { unixHttpServer } from '../helpers/unix-server.js'
import { buildBundle, makeTree, PATHS, SH, type Tree } from './lib/image-tree.js'

let bundle = ''
const work = mkdtempSync(join(tmpdir(), 'autonet-rootless-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))
t.before(async () => {
  bundle = await buildBundle(work)
})

/** rootlesskit's API (GET /v1/info) on DIR/api.sock, answering with `driver`; returns DIR. */
async function rootlesskitApi(t: Test, driver: string): Promise<string> {
  const { dir, sock } = await unixHttpServer(t, (req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(req.url === '/v1/info' ? JSON.stringify({ apiVersion: '1.1.0', networkDriver: { driver }, portDriver: { driver: 'builtin' } }) : '{}')
  })
  renameSync(sock, join(dir, 'api.sock'))
  return dir
}

/** The image's environment as a rootless container gets it: uid 1000, its own rootlesskit state dir, TLS off. */
function rootlessEnv(tree: Tree, stateDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AUTONET_TEST_UID: '1000', XDG_RUNTIME_DIR: '/run/user/1000', DOCKER_TLS_CERTDIR: '',
    AUTONET_TEST_ROOTLESSKIT_STATE_DIR: stateDir, AUTONET_TEST_ROOTLESSKIT_RECORD: join(tree.root, 'rootlesskit-flags'),
    ...extra,
  }
}

interface PlanJson { mtu: number | null, args: string[], actions: { type: string }[], reasons: string[], warnings: string[] }

/** `plan --json` by the tree's bundle for the real dockerd with `args`, in `env` (pure: nothing is applied). */
async function plan(tree: Tree, args: string[], env: Record<string, string>, ours: string[] = []): Promise<PlanJson> {
  // The start the shim makes (`wrapper REAL ARGS`): REAL is the dockerd asked --version.
  const r = await tree.run(['node', tree.at(BUNDLE), ...ours, 'plan', '--json', '--', tree.at(PATHS.dindReal), ...args], env)
  return JSON.parse(r.stdout) as PlanJson
}

const ENTRY = ['--host=unix:///run/user/1000/docker.sock', '--host=tcp://0.0.0.0:2375']
const FIXES_ON = { DOCKERD_AUTONET_NO_CLAMP_MSS: '0', DOCKERD_AUTONET_NO_CONNTRACK: '0', DOCKERD_AUTONET_NO_BRIDGE_MAC: '0' }

t.test('docker run --privileged docker:dind-rootless-based image: rootlesskit runs the chain, the wrapper plans rootless', async (t) => {
  const tree = await makeTree('dind-rootless', bundle)
  t.teardown(tree.remove)
  const stateDir = await rootlesskitApi(t, 'slirp4netns')
  const env = rootlessEnv(tree, stateDir, { DOCKERD_ROOTLESS_ROOTLESSKIT_MTU: '1300' })
  // What the wrapper plans as the chain will run it: under rootlesskit (its variable set).
  const expected = await plan(tree, ENTRY, { ...env, ROOTLESSKIT_STATE_DIR: stateDir })
  t.same(expected.actions, [], 'no action planned under rootlesskit')
  t.same(expected.args.slice(0, ENTRY.length), ENTRY)
  if (expected.mtu !== null) {
    t.ok(expected.mtu <= 1300, `--mtu=${expected.mtu} is at most rootlesskit's 1300`)
    t.ok(expected.args.includes(`--mtu=${expected.mtu}`))
  } else t.comment('no default route on this machine: no --mtu to bound')

  const r = await tree.run([...SH, tree.at('/usr/local/bin/dockerd-entrypoint.sh')], env)
  t.equal(r.exitCode, 0, 'exits 0', { stderr: r.stderr })
  t.same(tree.recorded(), [tree.at(PATHS.dindReal), ...expected.args], 'the real dockerd gets the entrypoint\'s flags, then the plan\'s')
  t.equal(readFileSync(join(tree.root, 'rootlesskit-flags'), 'utf8').trim(),
    '--net=slirp4netns --mtu=1300 --disable-host-loopback --port-driver=builtin --copy-up=/etc --copy-up=/run -p 0.0.0.0:2375:2375/tcp',
    'rootlesskit got the entrypoint\'s flags (its MTU from DOCKERD_ROOTLESS_ROOTLESSKIT_MTU)')
  t.match(r.stderr, /^dockerd-autonet: .*rootless: ROOTLESSKIT_STATE_DIR is set/m, 'the wrapper ran under rootlesskit and said so')
  t.match(r.stderr, /rootless network driver slirp4netns \(rootlesskit's API\)/, 'the driver, from rootlesskit\'s API')
})

t.test('the same machine with the fixes on: rootless withdraws what plain dind would plan, one reason each', async (t) => {
  const tree = await makeTree('dind-rootless', bundle)
  t.teardown(tree.remove)
  const stateDir = await rootlesskitApi(t, 'slirp4netns')
  // An engine below 24 so that an egress under 1500 plans the MSS clamp whatever its version gate on newer engines.
  const old = ['--autonet-dockerd-version=20.10.24']
  const rootful = await plan(tree, ['--host=unix:///var/run/docker.sock'], { DOCKER_TLS_CERTDIR: '', ...FIXES_ON }, old)
  const rootless = await plan(tree, ENTRY, { ...rootlessEnv(tree, stateDir), ROOTLESSKIT_STATE_DIR: stateDir, ...FIXES_ON }, old)
  t.comment(`rootful plans here: ${rootful.actions.map((a) => a.type).join(', ') || 'no action'}`)
  t.same(rootless.actions, [], 'rootless: nothing that would change a machine')
  t.equal(rootless.mtu, rootful.mtu, '--mtu is kept as rootful would plan it (rootlesskit at the entrypoint\'s default 1500)')
  const why: Record<string, RegExp> = { 'clamp-mss': /not clamping TCP MSS/, 'conntrack-delete': /no conntrack clean-up/, 'pin-bridge-mac': /no bridge MAC change/, 'create-bridge': /no bridge created/ }
  for (const a of new Set(rootful.actions.map((x) => x.type))) {
    const lines = rootless.reasons.filter((line) => line.startsWith('rootless (ROOTLESSKIT_STATE_DIR is set') && why[a].test(line))
    t.equal(lines.length, 1, `rootful plans ${a}; rootless says once why it does not`)
  }
  if (rootful.actions.length === 0) t.comment('this machine plans no action even rootful (egress at 1500 or more, no stale entries)')
})

t.test('lxc-user-nic from rootlesskit\'s API: the plan warns that the black hole is back', async (t) => {
  const tree = await makeTree('dind-rootless', bundle)
  t.teardown(tree.remove)
  const stateDir = await rootlesskitApi(t, 'lxc-user-nic')
  const p = await plan(tree, ENTRY, { ...rootlessEnv(tree, stateDir), ROOTLESSKIT_STATE_DIR: stateDir })
  t.match(p.warnings.join('\n'), /lxc-user-nic puts a real veth into a host bridge .*PMTU black hole is back/)
})
