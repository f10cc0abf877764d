/**
 * `dockerd-autonet dockerd-entrypoint.sh [FLAGS]`: dockerd gets the entrypoint's own --host and
 * TLS flags ahead of ours and the user's (src/dockerd/entrypoint-flags.ts), so a daemon.json
 * setting one of them makes dockerd refuse to start. A start then steps aside (contract point 4,
 * invocation.ts): the entrypoint gets the user's words exactly, nothing applied or appended, the
 * reason logged; the dry run, `plan -- WORDS` and `plan --state FILE -- WORDS` say the same.
 * Where the entrypoint adds no such flag, the start goes on as planned. Through main() with the
 * start fakes (test/helpers/start-fakes.ts).
 */
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { main } from '../../src/cli/main.js'
import type { MachineState } from '../../src/model.js'
import { startFakes } from '../helpers/start-fakes.js'

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

const BY = ', which dockerd-entrypoint.sh gives dockerd whenever it starts it with your flags or none); dockerd refuses to start on it: nothing applied or appended'

/** A start, a dry run, `plan --` and `plan --state … --` of `words` with `env` on `machine`: each steps aside for `why`. */
async function stepsAside(t: Test, words: string[], env: Record<string, string>, machine: Partial<MachineState>, why: string) {
  const what = `${words.join(' ')} with ${JSON.stringify(env)} and ${JSON.stringify(machine.daemon_json)}`
  const run = startFakes({}, machine)
  t.equal(await main(words, env, run.deps), 0, `${what}: started`)
  t.same(run.execs, [words], `${what}: the entrypoint gets the user's words exactly, nothing appended`)
  t.same(run.events, ['read', 'exec'], `${what}: nothing applied`)
  t.match(run.lines().join('\n'), new RegExp(`error: ${esc(why)}; starting ${esc(words[0])} with your arguments unchanged`), `${what}: the reason logged`)

  // dockerd's argv, as plan shows it: the words after the program and its lead `dockerd`.
  const argv = words.slice(words[1] === 'dockerd' ? 2 : 1)
  const dry = startFakes({}, machine)
  t.equal(await main(['--autonet-dry-run', ...words], env, dry.deps), 0)
  t.same(dry.execs, [], `${what}: a dry run starts nothing`)
  t.match(dry.stdout(), new RegExp(`error: {4}${esc(why)}\\n`), `${what}: the dry run says why`)
  t.match(dry.stdout(), new RegExp(`actions: none\\ncommand: {2}${esc(words.join(' '))}\\n$`), `${what}: and what a start execs`)

  const plan = startFakes({}, machine)
  t.equal(await main(['plan', '--json', '--', ...words], env, plan.deps), 1, `${what}: plan exits 1`)
  t.match(JSON.parse(plan.stdout()), { args: argv, actions: [], error: why }, `${what}: plan says the same`)

  const dir = t.testdir({ 'state.json': JSON.stringify({ links: [], routes4: [], routes6: [], daemon_json: null, ...machine, env, argv: [] }) })
  const file = startFakes({}, machine)
  t.equal(await main(['plan', '--state', join(dir, 'state.json'), '--json', '--', ...words], {}, file.deps), 1, `${what}: plan --state exits 1`)
  t.match(JSON.parse(file.stdout()), { args: argv, actions: [], error: why }, `${what}: plan --state, on the snapshot's environment, says the same`)
}

/** A start of `words` with `env` on `machine` goes on as planned: applied, --mtu=1450 appended. */
async function startsAsPlanned(t: Test, words: string[], env: Record<string, string>, machine: Partial<MachineState>) {
  const what = `${words.join(' ')} with ${JSON.stringify(env)} and ${JSON.stringify(machine.daemon_json)}`
  const run = startFakes({}, machine)
  t.equal(await main(words, env, run.deps), 0, `${what}: started`)
  t.same(run.execs, [[...words, '--mtu=1450']], `${what}: planned flags appended`)
  t.same(run.events, ['read', 'apply', 'exec'], `${what}: applied`)
  const plan = startFakes({}, machine)
  t.equal(await main(['plan', '--json', '--', ...words], env, plan.deps), 0, `${what}: plan exits 0`)
  t.match(JSON.parse(plan.stdout()), { error: null }, `${what}: plan finds no refusal`)
}

const hosts = { daemon_json: { hosts: ['unix:///var/run/docker.sock'] } }
const tlsverify = { daemon_json: { tlsverify: true } }

t.test('daemon.json "hosts": the entrypoint\'s --host clashes with it, TLS or not', async (t) => {
  await stepsAside(t, ['dockerd-entrypoint.sh', '--debug'], {}, hosts, `"hosts" is set both in daemon.json and as a flag (--host=unix:///var/run/docker.sock${BY}`)
  await stepsAside(t, ['dockerd-entrypoint.sh'], { DOCKER_TLS_CERTDIR: '' }, hosts, `"hosts" is set both in daemon.json and as a flag (--host=unix:///var/run/docker.sock${BY}`)
  await stepsAside(t, ['dockerd-entrypoint.sh', '--debug'], { DOCKER_TLS_CERTDIR: '/certs' }, hosts, `"hosts" is set both in daemon.json and as a flag (--host=unix:///var/run/docker.sock${BY}`)
  // The socket the entrypoint names follows DOCKER_HOST, and a path names the entrypoint too.
  await stepsAside(t, ['/usr/local/bin/dockerd-entrypoint.sh', '--debug'], { DOCKER_HOST: 'unix:///run/d.sock' }, hosts,
    `"hosts" is set both in daemon.json and as a flag (--host=unix:///run/d.sock${BY}`)
})

t.test('daemon.json "tlsverify" (or a certificate path) with DOCKER_TLS_CERTDIR set: the entrypoint\'s TLS flags clash', async (t) => {
  await stepsAside(t, ['dockerd-entrypoint.sh', '--debug'], { DOCKER_TLS_CERTDIR: '/certs' }, tlsverify, `"tlsverify" is set both in daemon.json and as a flag (--tlsverify${BY}`)
  await stepsAside(t, ['dockerd-entrypoint.sh'], { DOCKER_TLS_CERTDIR: '/certs' }, { daemon_json: { tlscert: '/mine/cert.pem' } },
    `"tlscert" is set both in daemon.json and as a flag (--tlscert /certs/server/cert.pem${BY}`)
})

t.test('where the entrypoint adds no flag daemon.json also sets, the start goes on as planned', async (t) => {
  // TLS off: no --tlsverify of the entrypoint's, and the user's --host is no clash with a file without "hosts".
  await startsAsPlanned(t, ['dockerd-entrypoint.sh', '--host=tcp://0.0.0.0:2375'], {}, tlsverify)
  await startsAsPlanned(t, ['dockerd-entrypoint.sh', '--debug'], { DOCKER_TLS_CERTDIR: '' }, tlsverify)
  // `dockerd` first: the entrypoint adds nothing, so the user's own --host is all dockerd gets.
  await startsAsPlanned(t, ['dockerd-entrypoint.sh', 'dockerd', '--host=tcp://0.0.0.0:2375'], { DOCKER_TLS_CERTDIR: '/certs' }, tlsverify)
  await startsAsPlanned(t, ['dockerd-entrypoint.sh', 'dockerd', '--debug'], { DOCKER_TLS_CERTDIR: '/certs' }, hosts)
  // Plain dockerd gets no entrypoint flags, whatever the environment.
  await startsAsPlanned(t, ['dockerd', '--debug'], { DOCKER_TLS_CERTDIR: '/certs' }, { daemon_json: { hosts: ['unix:///x.sock'], tlsverify: true } })
})

t.test('a clash of the user\'s own flag is still named as the user\'s', async (t) => {
  await stepsAside(t, ['dockerd-entrypoint.sh', 'dockerd', '-H', 'fd://'], {}, hosts,
    '"hosts" is set both in daemon.json and as a flag (-H fd://); dockerd refuses to start on it: nothing applied or appended')
})
