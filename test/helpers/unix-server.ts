/** A fake Engine API for unit tests: an HTTP server on a unix socket of its own. */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'

/**
 * Serves `handler` on `d.sock` in a fresh temp dir; at teardown closes the server (and its
 * connections) and removes the dir. Returns the socket path and the dir (for paths next to it).
 */
export async function unixHttpServer(t: { teardown(fn: () => void): void }, handler: http.RequestListener): Promise<{ sock: string, dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autonet-api-'))
  const sock = path.join(dir, 'd.sock')
  const server = http.createServer(handler)
  await new Promise<void>((r) => server.listen(sock, r))
  t.teardown(() => { server.closeAllConnections(); server.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  return { sock, dir }
}
