/**
 * A flag or daemon.json key that the engine of the version known lacks, on the start path
 * (contract point 4; start-decision.ts refusedStart, engine-flags.ts): dockerd will refuse it,
 * so a start steps aside (the user's argv exactly, nothing applied or appended, the reason
 * logged) and a dry run says the same. With an engine that has it or may (newer than any measured), or no version known, the
 * start is planned as before. Through main() with the start fakes (their planner always adds
 * --mtu=1450 and one clamp).
 */
import t from 'tap'
import { main } from '../../src/cli/main.js'
import type { MachineState } from '../../src/model.js'
import { startFakes } from '../helpers/start-fakes.js'

const trials: { what: string, argv: string[], machine: Partial<MachineState>, why: RegExp }[] = [
  { what: '26.1.5 with --firewall-backend', argv: ['--firewall-backend=iptables'], machine: { dockerd_version: '26.1.5' }, why: /unknown flag: --firewall-backend/ },
  { what: '26.1.5 with "firewall-backend"', argv: ['--debug'], machine: { dockerd_version: '26.1.5', daemon_json: { 'firewall-backend': 'iptables' } }, why: /match any configuration option: firewall-backend/ },
  { what: '26.1.5 with "allow-direct-routing"', argv: ['--debug'], machine: { dockerd_version: '26.1.5', daemon_json: { 'allow-direct-routing': true } }, why: /match any configuration option: allow-direct-routing/ },
  { what: '26.1.5 with "ip-forward-no-drop"', argv: ['--debug'], machine: { dockerd_version: '26.1.5', daemon_json: { 'ip-forward-no-drop': true } }, why: /match any configuration option: ip-forward-no-drop/ },
  { what: '20.10.24 with --default-network-opt', argv: ['--default-network-opt=bridge=x=y'], machine: { dockerd_version: '20.10.24' }, why: /unknown flag: --default-network-opt/ },
]

t.test('the trial examples: the engine lacks it, so the start steps aside', async (t) => {
  for (const { what, argv, machine, why } of trials) {
    const run = startFakes({}, machine)
    t.equal(await main(argv, {}, run.deps), 0, `${what}: started`)
    t.same(run.execs, [['dockerd', ...argv]], `${what}: the user's argv exactly, nothing appended`)
    t.same(run.events, ['read', 'exec'], `${what}: nothing applied`)
    t.match(run.log.lines.join('\n'), new RegExp(`${why.source}.*: nothing applied or appended`), `${what}: the reason logged`)
    const dry = startFakes({}, machine)
    t.equal(await main(['--autonet-dry-run', ...argv], {}, dry.deps), 0)
    t.same(dry.execs, [], `${what}: a dry run starts nothing`)
    t.match(dry.stdout(), new RegExp(`error: {4}.*${why.source}.*: nothing applied or appended`), `${what}: the dry run says why`)
  }
})

t.test('an engine that has it (28.5.2; 29.0, newer than any measured, for --firewall-backend), or no version known: planned as before', async (t) => {
  for (const { what, argv, machine } of trials) {
    for (const version of [/firewall-backend/.test(what) ? '29.0.0' : '28.5.2', null]) {
      const label = what.replace(/^\S+/, String(version))
      const run = startFakes({}, { ...machine, dockerd_version: version })
      t.equal(await main(argv, {}, run.deps), 0)
      t.same(run.execs, [['dockerd', ...argv, '--mtu=1450']], `${label}: planned, --mtu=1450 appended`)
      t.same(run.events, ['read', 'apply', 'exec'], `${label}: the clamp applied`)
    }
  }
})
