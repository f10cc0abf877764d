/**
 * flag-values.ts held against the real engines (fetched by scripts/fetch-engines.sh; a missing
 * engine fails the test, it is never skipped): `dockerd --version <flag>` parses every flag
 * first and starts nothing, exiting non-zero with "invalid argument …" on a value a validator
 * refuses and printing the version otherwise. For each value below, every engine refuses it
 * exactly when refusedListValue does. Values the engines disagree on (`--dns=`, a mirror with a
 * path, `-H /path`) are refused by none of ours and are not in this table: flag-values.test.ts
 * checks we accept them.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { refusedListValue } from '../../src/dockerd/flag-values.js'
import { parseDockerdFlags } from '../../src/dockerd/flags.js'
import { oracleEngines } from '../e2e/lib/engines.js'

const VALUES: string[] = [
  // accepted by every engine
  '--label=a=b', '--label==b', '--dns=1.2.3.4', '--dns=::ffff:1.2.3.4', '--dns= 1.2.3.4', '--dns-search=foo.', '--dns-search=.',
  '-H=fd://', '-H=unix:///x', '-H=npipe://x', '-H=tcp://x', '-H=1.2.3.4:2375', '-H=',
  '--default-ulimit=nofile=1024:2048', '--default-ulimit=nofile=5:-1', '--default-ulimit=nofile=+5',
  '--registry-mirror=http://m', '--registry-mirror=HTTPS://m', '--default-gateway=1.2.3.4', '--default-gateway-v6=1.2.3.4', '--ip=1.2.3.4', '--ip=::1',
  '--add-runtime=a=/x', '--default-address-pool=base=10.10.0.0/16,size=24', '--log-opt=foo', '--insecure-registry=foo',
  '--registry-mirror=https://m?', '--registry-mirror=https://m#', '--node-generic-resource=gpu=1', '--node-generic-resource=a=b=c',
  // refused by every engine
  '--label=foo', '--label=', '--label=com.docker.x=y', '--dns=1.2.3', '--dns=fe80::1%eth0', '--dns=01.2.3.4', '--dns=1.1.1.1,x',
  '--dns-search=-bad', '--dns-search=a..b', '--dns-search=123', '-H=bogus://x', '-H=ssh://x', '-H=TCP://x', '-H= bogus://x',
  '--default-ulimit=nofile=abc', '--default-ulimit=bogus=1', '--default-ulimit=nofile', '--default-ulimit=nofile=2048:1024',
  '--default-ulimit=nofile=1:2:3', '--default-ulimit=nproc=0x10', '--registry-mirror=notaurl', '--registry-mirror=ftp://m',
  '--default-gateway=1.2.3', '--default-gateway-v6=zz', '--ip=1.2.3', '--ip=::zz', '--add-runtime=foo', '--add-runtime=a=',
  '--default-address-pool=foo', '--default-address-pool=base=10.0.0.0/8,foo=1',
  '--registry-mirror=https://m.example/path?x=1', '--registry-mirror=https://m#f', '--registry-mirror=https://u@m', '--registry-mirror=http://@m',
  '--node-generic-resource=bogus', '--node-generic-resource=',
  // 20.10 has no --default-network-opt (unknown flag, whatever the value); 26 and later refuse a value without root-key=key=value
  '--default-network-opt=bridge', '--default-network-opt=bridge=x',
  // --default-shm-size: go-units RAMInBytes, v0.4 (20.10, 26) and v0.5 (28) (trial: abc and -1 were applied)
  '--default-shm-size=64m', '--default-shm-size=0', '--default-shm-size=1.5g', '--default-shm-size=64mib', '--default-shm-size=64 m', '--default-shm-size=64 ',
  '--default-shm-size=1KIB', '--default-shm-size=64mB',
  '--default-shm-size=abc', '--default-shm-size=-1', '--default-shm-size=-1k', '--default-shm-size=', '--default-shm-size= 64m', '--default-shm-size=64x',
  '--default-shm-size=0x10', '--default-shm-size=1.2.3', '--default-shm-size=64  m', '--default-shm-size=nan', '--default-shm-size=1k2', '--default-shm-size=-inf',
  // --host-gateway-ip: net.ParseIP on 20.10, pflag's trimmed IP on 26, netip.ParseAddr on 28 (trial: bogus was applied)
  '--host-gateway-ip=1.2.3.4', '--host-gateway-ip=::1', '--host-gateway-ip=::ffff:1.2.3.4',
  '--host-gateway-ip=bogus', '--host-gateway-ip=1.2.3', '--host-gateway-ip=01.2.3.4', '--host-gateway-ip=1.2.3.4,::1',
]

/**
 * Values some engine refuses and another accepts: we refuse none of them (fail open), and the
 * engines still disagree (at least one accepts it, at least one refuses it).
 */
const UNEVEN: string[] = [
  // go-units v0.4 (20.10, 26) refuses these, v0.5 (28) reads them; "64mi" and "0x1p4" the other way round
  '--default-shm-size=-0', '--default-shm-size=1e3', '--default-shm-size=+5', '--default-shm-size=.5', '--default-shm-size=inf b', '--default-shm-size=1_0',
  '--default-shm-size=64mi', '--default-shm-size=0x1p4',
  // 26 trims and takes "", 28 takes a zone
  '--host-gateway-ip=', '--host-gateway-ip= 1.2.3.4', '--host-gateway-ip=fe80::1%eth0',
]

/** Whether `engine` refuses `arg`, and its words. */
function theirs(dockerd: string, arg: string): { refused: boolean, out: string, error?: Error } {
  const r = spawnSync(dockerd, ['--version', arg], { encoding: 'utf8', timeout: 10_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } })
  return { refused: r.status !== 0, out: `${r.stdout}${r.stderr}`, error: r.error }
}

t.test('where the engines disagree we refuse nothing, and they do disagree', async (t) => {
  const engines = oracleEngines(t, 'the rules')
  for (const arg of UNEVEN) {
    t.equal(refusedListValue(parseDockerdFlags([arg])), null, `${arg}: we let it pass`)
    const verdicts = engines.map((e) => theirs(e.dockerd, arg).refused)
    t.ok(verdicts.includes(true) && verdicts.includes(false), `${arg}: refused by ${engines.filter((_, i) => verdicts[i]).map((e) => e.label).join(', ') || 'none'} only`)
  }
})

t.test('each engine refuses a value exactly when refusedListValue does', async (t) => {
  for (const engine of oracleEngines(t, 'the rules')) {
    for (const arg of VALUES) {
      const r = spawnSync(engine.dockerd, ['--version', arg], { encoding: 'utf8', timeout: 10_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } })
      if (r.error) { t.fail(`${engine.label} --version ${arg}: ${r.error.message}`); continue }
      const out = `${r.stdout}${r.stderr}`
      const theirs = r.status !== 0 ? (/invalid argument .*/.exec(out)?.[0] ?? `exit ${r.status}: ${out.slice(0, 200)}`) : null
      const ours = refusedListValue(parseDockerdFlags([arg]))
      t.equal(ours !== null, theirs !== null, `${engine.label} ${arg}: dockerd says ${theirs ?? 'ok'}; we say ${ours ?? 'ok'}`)
      if (theirs === null) t.match(out, /^Docker version /, `${engine.label} ${arg}: printed its version`)
    }
  }
})
