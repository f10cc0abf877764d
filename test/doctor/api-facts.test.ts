import path from 'node:path'
import t from 'tap'
import { readDockerApi } from '../../src/doctor/api-facts.js'
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
