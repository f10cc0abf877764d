import path from 'node:path'
import t from 'tap'
import { readDockerApi } from '../../src/doctor/api-facts.js'
import { diagnose } from '../../src/doctor/diagnose.js'
import type { DockerApiFacts, RunningDockerd } from '../../src/doctor/types.js'
import { link, route, state } from '../helpers/state.js'
import { unixHttpServer } from '../helpers/unix-server.js'

t.test('readDockerApi over a unix socket: containers and networks, or why not', async (t) => {
  const { sock, dir } = await unixHttpServer(t, (req, res) => {
    if (req.url === '/containers/json') { res.end('[]'); return }
    if (req.url === '/networks') { res.end('[{"Name":"bridge","Id":"x","Driver":"bridge","Options":{"com.docker.network.driver.mtu":"1450"}}]'); return }
    res.statusCode = 404
    res.end('{"message":"page not found"}')
  })
  const facts = await readDockerApi(sock, '/var/run/docker.sock')
  t.match(facts, { socket: '/var/run/docker.sock', error: null, containers: [], networks: [{ name: 'bridge', mtu: 1450 }] })
  t.match(await readDockerApi(path.join(dir, 'missing.sock'), null), { error: /ENOENT/, containers: null })
  t.match(await readDockerApi(null, null), { error: 'it listens on no unix socket' })
})

t.test('a daemon that accepts the connection but answers late: doctor says it is too slow, not absent', async (t) => {
  // The server accepts at once and answers after 1.5 s; doctor waits 0.2 s of silence.
  const timers: NodeJS.Timeout[] = []
  t.teardown(() => { for (const timer of timers) clearTimeout(timer) })
  const { sock, dir } = await unixHttpServer(t, (_req, res) => { timers.push(setTimeout(() => res.end('[]'), 1500)) })
  const t0 = Date.now()
  const slow = await readDockerApi(sock, '/var/run/docker.sock', 200)
  t.ok(Date.now() - t0 < 1400, `bounded by doctor's timeout, not the daemon (${Date.now() - t0} ms)`)
  t.match(slow, { socket: '/var/run/docker.sock', error: /no answer within 200 ms/, timed_out_after_ms: 200, containers: null, networks: null })
  const missing = await readDockerApi(path.join(dir, 'missing.sock'), null, 200)
  t.equal(missing.timed_out_after_ms, undefined, 'no socket: not a slow daemon')

  const dockerd = (api: DockerApiFacts): RunningDockerd => ({
    pid: 4242, command: 'dockerd', argv: [], started_at: null, via_wrapper: false,
    daemon_json: null, daemon_json_path: '/etc/docker/daemon.json', daemon_json_error: null, api,
  })
  const finding = (api: DockerApiFacts) => diagnose(state({ links: [link('eth0', 1450)], routes4: [route('default', 'eth0')] }), [dockerd(api)]).find((f) => f.check === 'api')
  const late = finding(slow)!
  t.match(late, { severity: 'warn', subject: 'dockerd pid 4242' })
  t.match(late.message, /accepted the connection but was too slow: timed out after 0\.2 s/)
  t.match(late.message, /the daemon runs but is busy or stuck/)
  t.notMatch(`${late.message} ${late.fix}`, /reachable|not running|no dockerd|as root/, 'no advice for a daemon that is not there')
  t.match(finding(missing)!, { severity: 'info', message: /could not ask dockerd pid 4242's API on .*: connect ENOENT/, fix: /reachable/ }, 'a missing socket keeps its advice')
})
