/**
 * A bug of ours in reading the command line (readInvocation throwing) must not keep dockerd
 * down (contract point 3): main starts the program the plainest way, except where no start is
 * safe without the parser (a dry run, a subcommand, a second daemon's bridge).
 */
import t from 'tap'
import { main } from '../../src/cli/main.js'
import { fallbackInvocation } from '../../src/cli/invocation.js'
import { startFakes } from '../helpers/start-fakes.js'

const bug = () => { throw new TypeError('cannot read properties of undefined') }

t.test('readInvocation throwing: dockerd starts with the user\'s arguments, ours taken out, nothing read or applied', async (t) => {
  const f = startFakes({ readInvocation: bug })
  t.equal(await main(['--autonet-debug', '--debug', '--log-level', 'warn'], {}, f.deps), 0)
  t.same(f.execs, [['dockerd', '--debug', '--log-level', 'warn']])
  t.same(f.events, ['exec'], 'nothing read, nothing applied')
  t.match(f.log.lines.join('\n'), /error: internal error reading the command line: cannot read properties of undefined; starting dockerd with your arguments unchanged/)
})

t.test('readInvocation throwing: a value of ours given as a second word is taken out with it, never the program', async (t) => {
  for (const argv of [['--autonet-max-mtu', '9000', '--debug'], ['--autonet-mtu', '1400', '--debug'], ['--debug', '--autonet-probe', 'host.example']]) {
    const f = startFakes({ readInvocation: bug })
    t.equal(await main(argv, {}, f.deps), 0, JSON.stringify(argv))
    t.same(f.execs, [['dockerd', '--debug']], JSON.stringify(argv))
  }
})

t.test('readInvocation throwing: a named program gets its arguments exactly; the hand-over count is set', async (t) => {
  const f = startFakes({ readInvocation: bug })
  let seen: Record<string, string | undefined> = {}
  f.deps.exec = async (cmd, args, o) => { f.execs.push([cmd, ...args]); seen = o.env; return 0 }
  t.equal(await main(['dockerd-entrypoint.sh', 'docker', 'info'], {}, f.deps), 0)
  t.same(f.execs, [['dockerd-entrypoint.sh', 'docker', 'info']])
  t.equal(seen.DOCKERD_WRAPPED_BY_AUTONET, '1')
})

t.test('readInvocation throwing: a dry run in any visible spelling starts nothing', async (t) => {
  for (const [argv, env] of [[['--autonet-dry-run', '--debug'], {}], [['--debug'], { DOCKERD_AUTONET_DRY_RUN: '1' }], [['--autonet_dryrun'], {}]] as [string[], Record<string, string>][]) {
    const f = startFakes({ readInvocation: bug })
    t.equal(await main(argv, env, f.deps), 0)
    t.same(f.execs, [], `${JSON.stringify(argv)} ${JSON.stringify(env)}: nothing exec'd`)
    t.match(f.stdout(), /dockerd --debug|dockerd$/m)
  }
  const off = startFakes({ readInvocation: bug })
  await main(['--debug'], { DOCKERD_AUTONET_DRY_RUN: 'false' }, off.deps)
  t.same(off.execs, [['dockerd', '--debug']], 'a dry run set to false is a start')
})

t.test('readInvocation throwing: a subcommand or a second daemon\'s bridge crashes (70 in the launcher) rather than guess', async (t) => {
  for (const [argv, env] of [[['plan', '--json'], {}], [['--autonet-bridge=br-ci=10.99.0.1/24'], {}], [['--debug'], { DOCKERD_AUTONET_BRIDGE: 'br-ci=10.99.0.1/24' }]] as [string[], Record<string, string>][]) {
    const f = startFakes({ readInvocation: bug })
    await t.rejects(main(argv, env, f.deps), TypeError)
    t.same(f.execs, [])
  }
  t.equal(fallbackInvocation(['constructor'], {})?.program, 'constructor', 'a program named like an Object key is a program')
  // The MAC pin's switch names no second daemon's bridge: dockerd still starts the plainest way.
  for (const [argv, env] of [[['--autonet-no-bridge-mac', '--debug'], {}], [['--debug'], { DOCKERD_AUTONET_NO_BRIDGE_MAC: '1' }]] as [string[], Record<string, string>][]) {
    const f = startFakes({ readInvocation: bug })
    t.equal(await main(argv, env, f.deps), 0, JSON.stringify([argv, env]))
    t.same(f.execs, [['dockerd', '--debug']])
  }
})
