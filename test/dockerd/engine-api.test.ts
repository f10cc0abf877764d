import path from 'node:path'
import t from 'tap'
import { ApiTooSlowError, DEFAULT_DOCKER_SOCKET, dockerApiSocket, engineApi, getJson, getText, openGet } from '../../src/dockerd/engine-api.js'
import { inspectSyslog } from '../helpers/engine-fixtures.js'
import { until } from '../helpers/until.js'
import { unixHttpServer } from '../helpers/unix-server.js'

const INSPECT = inspectSyslog()

t.test('dockerApiSocket: the first unix socket dockerd listens on', async (t) => {
  const rows: [string[], Record<string, unknown> | null, unknown][] = [
    [[], null, { path: DEFAULT_DOCKER_SOCKET }],
    [['-H', 'unix:///run/d.sock'], null, { path: '/run/d.sock' }],
    [['--host=tcp://0.0.0.0:2376', '--host=unix:///run/d.sock'], null, { path: '/run/d.sock' }],
    [['--host=tcp://0.0.0.0:2376', '--host=unix:///tmp/d.sock'], null, { path: '/tmp/d.sock' }],
    [['-Hunix:///run/e.sock', '--tlsverify'], null, { path: '/run/e.sock' }],
    [['-H', '/run/bare.sock'], null, { path: '/run/bare.sock' }],
    [['-H', 'fd://'], null, { path: DEFAULT_DOCKER_SOCKET }],
    [['-H', 'unix://'], null, { path: DEFAULT_DOCKER_SOCKET }],
    [[], { hosts: ['unix:///run/a.sock'] }, { path: '/run/a.sock' }],
    [[], { hosts: ['tcp://0.0.0.0:2375', 'unix:///run/j.sock'] }, { path: '/run/j.sock' }],
    [['-H', 'unix:///run/flag.sock'], { hosts: ['unix:///run/j.sock'] }, { path: '/run/flag.sock' }],
  ]
  for (const [argv, dj, want] of rows) t.same(dockerApiSocket(argv, dj), want, JSON.stringify([argv, dj]))
  t.equal(DEFAULT_DOCKER_SOCKET, '/var/run/docker.sock')
  t.match(dockerApiSocket(['-H', 'tcp://0.0.0.0:2376'], null), { skip: /no unix socket \(tcp:\/\/0\.0\.0\.0:2376\)/ })
})

t.test('getJson over a unix socket: answers, HTTP errors and silence are told apart', async (t) => {
  const { sock, dir } = await unixHttpServer(t, (req, res) => {
    if (req.url === '/containers/json') { res.end('[]'); return }
    if (req.url === '/_ping') { res.end('OK'); return }
    if (req.url === '/slow') return // never answers
    res.statusCode = 404
    res.end('{"message":"page not found"}')
  })
  t.same(await getJson(sock, '/containers/json'), [])
  await t.rejects(getJson(sock, '/nope'), /HTTP 404: \{"message":"page not found"\}/)
  await t.rejects(getJson(sock, '/slow', { timeoutMs: 200 }), /no answer within 200 ms/)
  await t.rejects(getJson(sock, '/slow', { timeoutMs: 200 }), { name: 'ApiTooSlowError', afterMs: 200 }, 'silence after the connection was accepted: too slow')
  await t.rejects(getJson(sock, '/_ping'), /GET \/_ping: not JSON/)
  t.equal(await getText(sock, '/_ping'), 'OK')
  await t.rejects(getText(path.join(dir, 'missing.sock'), '/_ping'), /ENOENT/)
  t.notOk(await getText(path.join(dir, 'missing.sock'), '/_ping').catch((e) => e instanceof ApiTooSlowError), 'no socket: not a slow daemon')
  const abort = new AbortController()
  const slow = openGet(sock, '/slow', { signal: abort.signal })
  abort.abort()
  await t.rejects(slow, { name: 'AbortError' })
})

t.test('engineApi speaks the Engine API over a unix socket', async (t) => {
  const seenPaths: string[] = []
  let events: import('node:http').ServerResponse | null = null
  const { sock, dir } = await unixHttpServer(t, (req, res) => {
    seenPaths.push(req.url ?? '')
    if (req.url === '/_ping') return res.end('OK')
    if (req.url?.startsWith('/containers/abc/json')) return res.end(JSON.stringify(INSPECT))
    if (req.url?.startsWith('/containers/')) { res.statusCode = 404; return res.end('{"message":"No such container"}') }
    if (req.url?.startsWith('/events')) {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      events = res
      res.write(JSON.stringify({ status: 'start', id: 'abc', Type: 'container', Action: 'start', Actor: { ID: 'abc' }, time: 7, timeNano: 7000000001 }) + '\n{"id":"de')
      return
    }
    res.statusCode = 500
    res.end()
  })

  const api = engineApi(sock)
  t.equal(await api.ping(), true)
  t.same(await api.inspect('abc'), INSPECT)
  await t.rejects(api.inspect('nope'), /HTTP 404.*No such container/)
  const got: string[] = []
  const abort = new AbortController()
  const streaming = api.startEvents(5, (e) => got.push(`${e.id}@${e.time}`), abort.signal)
  await until(() => got.length === 1)
  events!.write('f","time":8}\n')
  await until(() => got.length === 2)
  t.same(got, ['abc@7', 'def@8'], 'events split across chunks are put back together')
  t.match(seenPaths.find((p) => p.startsWith('/events')), /^\/events\?since=5&filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22start%22%5D%7D$/)
  events!.end()
  await streaming
  t.pass('the stream ends when dockerd ends it')
  t.equal(await engineApi(path.join(dir, 'none.sock')).ping(), false, 'no socket: not answering')
})

t.test('a daemon trickling one byte a second is cut off at the whole-request deadline', async (t) => {
  const { sock } = await unixHttpServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const timer = setInterval(() => res.write(' '), 100)
    res.on('close', () => clearInterval(timer))
  })
  const t0 = Date.now()
  // Never silent for 300 ms, so only the deadline ends it.
  await t.rejects(getJson(sock, '/containers/json', { timeoutMs: 300, deadlineMs: 800 }), /^GET \/containers\/json: answer not complete within 800 ms$/)
  const took = Date.now() - t0
  t.ok(took < 3000, `gave up after ${took} ms`)
  await t.rejects(getJson(sock, '/containers/json', { timeoutMs: 300, deadlineMs: 500 }), { name: 'ApiTooSlowError', afterMs: 500 }, 'a trickle is a slow daemon')
  const api = engineApi(sock, 200)
  await t.rejects(api.networks(), /answer not complete within 400 ms/, 'engineApi: twice the silence bound by default')
})
