/**
 * entrypointFlags against the entrypoint itself: the test stand-in for docker-library's
 * dockerd-entrypoint.sh (test/image/fixtures, same argv as upstream) is run with recording
 * stubs of docker-init and rootlesskit first in PATH, and the flags dockerd would get ahead of
 * the user's words must be the ones entrypointFlags names. Nothing but the stubs is started.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { entrypointFlags } from '../../src/dockerd/entrypoint-flags.js'

const FIXTURE = new URL('../image/fixtures/dockerd-entrypoint.sh', import.meta.url).pathname

/** The argv the fixture gives dockerd for `words` with `env` as uid `uid`: what follows `docker-init --`. */
function dockerdArgvOf(dir: string, words: string[], env: Record<string, string>, uid: number): string[] {
  const out = join(dir, 'argv')
  execFileSync('sh', [FIXTURE, ...words], { env: { PATH: `${dir}:/usr/bin:/bin`, OUT: out, AUTONET_TEST_UID: String(uid), ...env } })
  const argv = readFileSync(out, 'utf8').split('\0').slice(0, -1)
  const at = argv.indexOf('--')
  return argv.slice(at + 2) // past `--` and `dockerd`
}

t.test('the flags the entrypoint gives dockerd, as it gives them', async (t) => {
  const dir = t.testdir({})
  for (const stub of ['docker-init', 'rootlesskit']) {
    writeFileSync(join(dir, stub), '#!/bin/sh\nfor a in "$@"; do printf \'%s\\0\' "$a"; done > "$OUT"\n')
    chmodSync(join(dir, stub), 0o755)
  }
  const envs: Record<string, string>[] = [
    {}, { DOCKER_TLS_CERTDIR: '' }, { DOCKER_TLS_CERTDIR: '/certs' }, { DOCKER_TLS_CERTDIR: '/my certs' },
    { DOCKER_HOST: 'unix:///run/d.sock' }, { DOCKER_HOST: 'tcp://127.0.0.1:2375', DOCKER_TLS_CERTDIR: '/certs' },
    { XDG_RUNTIME_DIR: '/run/x' }, { XDG_RUNTIME_DIR: '' },
  ]
  let checked = 0
  for (const uid of [0, 1000]) {
    for (const env of envs) {
      for (const words of [[], ['--debug'], ['--host=tcp://0.0.0.0:1', '--tlsverify'], ['dockerd'], ['dockerd', '--debug']]) {
        const got = dockerdArgvOf(dir, words, env, uid)
        const lead = words[0] === 'dockerd' ? ['dockerd'] : []
        const added = entrypointFlags('dockerd-entrypoint.sh', lead, env, uid)
        t.same(got, [...added, ...words.slice(lead.length)], `uid ${uid}, ${JSON.stringify(env)}, ${JSON.stringify(words)}`)
        checked++
      }
    }
  }
  t.equal(checked, 80)
})

t.test('the flags named', async (t) => {
  t.same(entrypointFlags('dockerd-entrypoint.sh', [], {}, 0), ['--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2375'])
  t.same(entrypointFlags('/usr/local/bin/dockerd-entrypoint.sh', [], { DOCKER_TLS_CERTDIR: '/certs' }, null), [
    '--host=unix:///var/run/docker.sock', '--host=tcp://0.0.0.0:2376', '--tlsverify',
    '--tlscacert', '/certs/server/ca.pem', '--tlscert', '/certs/server/cert.pem', '--tlskey', '/certs/server/key.pem',
  ], 'a path names the entrypoint; an unknown uid counts as root')
  t.same(entrypointFlags('dockerd-entrypoint.sh', [], {}, 1000), ['--host=unix:///run/user/1000/docker.sock', '--host=tcp://0.0.0.0:2375'], 'rootless: its socket')
  t.same(entrypointFlags('dockerd-entrypoint.sh', ['dockerd'], { DOCKER_TLS_CERTDIR: '/certs' }, 0), [], '`dockerd` first: nothing added')
  t.same(entrypointFlags('dockerd', [], { DOCKER_TLS_CERTDIR: '/certs' }, 0), [], 'dockerd itself: nothing added')
  t.same(entrypointFlags(null, [], { DOCKER_TLS_CERTDIR: '/certs' }, 0), [], 'dockerd by default: nothing added')
  t.same(entrypointFlags('my-dockerd-entrypoint.sh', [], {}, 0), [], 'another script: nothing added')
})
