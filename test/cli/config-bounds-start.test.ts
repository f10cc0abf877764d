/**
 * A daemon.json we will not read (past the 16 MiB cap, or no regular file) on the start path,
 * with the real reader and planner: dockerd starts with the user's arguments, none of ours
 * appended (the file's keys are unknown, so any flag of ours could clash with one), nothing
 * applied, and the one line logged says why without claiming dockerd refuses the file.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readDaemonConfig } from '../../src/dockerd/config-file.js'
import { runMain } from '../helpers/run-main.js'
import { state } from '../helpers/state.js'

t.test('daemon.json too large or a FIFO: dockerd starts with the user\'s arguments, the reason on one line', async (t) => {
  const dir = t.testdir({})
  const big = join(dir, 'big.json')
  writeFileSync(big, '')
  truncateSync(big, 2 * 1024 ** 3)
  const fifo = join(dir, 'fifo.json')
  execFileSync('mkfifo', [fifo])
  const small = join(dir, 'small.json')
  writeFileSync(small, '{}')
  for (const [path, why] of [[small, null], [big, /daemon\.json: .*big\.json is too large: 2147483648 bytes, more than the 16777216-byte \(16 MiB\) cap; not read/], [fifo, /daemon\.json: cannot read .*fifo\.json: a FIFO, not a regular file; not read/]] as const) {
    // The machine of a plain MTU fix: eth0 at 1450 would get --mtu=1450 and a clamp.
    const { code, execs, applied, lines } = await runMain([`--config-file=${path}`, '--debug'], {
      readState: async (o) => {
        const d = await readDaemonConfig(path, { explicit: true })
        return state({ daemon_json: d.config, daemon_json_path: d.path, argv: o.argv, read_errors: d.error ? [d.error] : [] })
      },
    })
    t.equal(code, 0)
    if (why === null) {
      t.same(execs, [['dockerd', `--config-file=${small}`, '--debug', '--mtu=1450']], 'control: a config we read gets the MTU fix')
      continue
    }
    t.same(execs, [['dockerd', `--config-file=${path}`, '--debug']], 'the user\'s arguments, nothing appended')
    t.same(applied, [], 'nothing applied')
    const line = lines.find((l) => why.test(l) && /: error: /.test(l))
    t.ok(line, lines.join('\n'))
    t.notMatch(line, /dockerd refuses/, 'dockerd has no cap: we do not claim it refuses the file')
    t.match(line, /nothing applied or appended[;,] starting dockerd with your arguments unchanged/)
  }
})

t.test('daemon.json that is a directory: dockerd does refuse that one (os.ReadFile: is a directory), and the line says so', async (t) => {
  const dir = t.testdir({ 'daemon.json': {} })
  const path = join(dir, 'daemon.json')
  const { execs, lines } = await runMain([`--config-file=${path}`, '--debug'], {
    readState: async (o) => {
      const d = await readDaemonConfig(path, { explicit: true })
      return state({ daemon_json: d.config, daemon_json_path: d.path, argv: o.argv, read_errors: d.error ? [d.error] : [] })
    },
  })
  t.same(execs, [['dockerd', `--config-file=${path}`, '--debug']])
  t.match(lines.join('\n'), /cannot read .*daemon\.json: a directory, not a regular file; not read; dockerd refuses to start on it: nothing applied or appended/)
})
