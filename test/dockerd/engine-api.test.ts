import path from 'node:path'
import t from 'tap'
import { DEFAULT_DOCKER_SOCKET, dockerApiSocket, getJson, getText, openGet } from '../../src/dockerd/engine-api.js'
import { unixHttpServer } from '../helpers/unix-server.js'

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
  await t.rejects(getJson(sock, '/_ping'), /GET \/_ping: not JSON/)
  t.equal(await getText(sock, '/_ping'), 'OK')
  await t.rejects(getText(path.join(dir, 'missing.sock'), '/_ping'), /ENOENT/)
  const abort = new AbortController()
  const slow = openGet(sock, '/slow', { signal: abort.signal })
  abort.abort()
  await t.rejects(slow, { name: 'AbortError' })
})
