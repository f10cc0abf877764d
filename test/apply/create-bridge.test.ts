/** ensureBridge with a fake `ip`: what it runs, and that a link of that name which is no bridge is never taken over. */
import t from 'tap'
import { ensureBridge } from '../../src/apply/create-bridge.js'
import { memoryLogger } from '../../src/log.js'
import type { Runner } from '../../src/tools/runner.js'

/** A fake `ip` knowing one link (or none): answers `show`, records every other command. */
function fakeIp(link: { kind: string | null, addrs: string[] } | null) {
  const changes: string[] = []
  const run: Runner = async (_cmd, args) => {
    if (args.slice(0, 2).join(' ') === 'link add') link = { kind: 'bridge', addrs: [] }
    if (args.includes('show')) {
      if (!link) return { stdout: '', stderr: 'Device "br-ci" does not exist.', exitCode: 1 }
      const entry = {
        ifname: 'br-ci', ...(link.kind ? { linkinfo: { info_kind: link.kind } } : {}),
        addr_info: link.addrs.map((a) => ({ family: 'inet', local: a.split('/')[0], prefixlen: Number(a.split('/')[1]) })),
      }
      return { stdout: JSON.stringify([entry]), exitCode: 0 }
    }
    changes.push(args.join(' '))
    return { stdout: '', exitCode: 0 }
  }
  return { run, changes }
}

t.test('a link of that name that is not a bridge (appeared since the read): an error naming it, nothing changed', async (t) => {
  for (const kind of ['veth', null]) {
    const ip = fakeIp({ kind, addrs: ['10.5.0.2/24'] })
    await t.rejects(ensureBridge('br-ci', '10.99.0.1/24', '02:aa:bb:cc:dd:ee', ip.run, memoryLogger()),
      { message: `bridge br-ci: exists as ${kind ? `a ${kind}` : 'a link of no kind (a device)'}, not a bridge: not taken over (no address added, not set up)` }, String(kind))
    t.same(ip.changes, [], `${kind}: never addressed or set up`)
  }
})

t.test('missing: created with its MAC, addressed, set up; a bridge with the address: only set up', async (t) => {
  const none = fakeIp(null)
  t.same(await ensureBridge('br-ci', '10.99.0.1/24', '02:aa:bb:cc:dd:ee', none.run, memoryLogger()), ['created bridge br-ci with MAC 02:aa:bb:cc:dd:ee', 'added 10.99.0.1/24 to br-ci'])
  t.same(none.changes, ['link add name br-ci address 02:aa:bb:cc:dd:ee type bridge', 'addr add 10.99.0.1/24 dev br-ci', 'link set dev br-ci up'])
  const there = fakeIp({ kind: 'bridge', addrs: ['10.99.0.1/24'] })
  t.same(await ensureBridge('br-ci', '10.99.0.1/24', '02:aa:bb:cc:dd:ee', there.run, memoryLogger()), [])
  t.same(there.changes, ['link set dev br-ci up'])
})
