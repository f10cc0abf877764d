import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { readRunningDockerds, splitCmdline } from '../../src/doctor/running.js'
import type { DockerApiFacts } from '../../src/doctor/types.js'

/** A fake /proc: self in net:[1]/mnt:[1]; processes with comm, cmdline, status, stat and ns links. */
function fakeProc(t: { teardown(fn: () => void): void }, procs: { pid: number, comm: string, cmdline: string[], ppid?: number, net?: string, mnt?: string }[]) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'autonet-proc-'))
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }))
  const mk = (dir: string, net: string, mnt: string) => {
    fs.mkdirSync(path.join(dir, 'ns'), { recursive: true })
    fs.symlinkSync(net, path.join(dir, 'ns/net'))
    fs.symlinkSync(mnt, path.join(dir, 'ns/mnt'))
  }
  mk(path.join(root, 'self'), 'net:[1]', 'mnt:[1]')
  fs.writeFileSync(path.join(root, 'stat'), 'cpu 1 2 3\nbtime 1700000000\n')
  for (const p of procs) {
    const dir = path.join(root, String(p.pid))
    mk(dir, p.net ?? 'net:[1]', p.mnt ?? 'mnt:[1]')
    fs.writeFileSync(path.join(dir, 'comm'), `${p.comm}\n`)
    fs.writeFileSync(path.join(dir, 'cmdline'), p.cmdline.join('\0') + '\0')
    fs.writeFileSync(path.join(dir, 'status'), `Name:\t${p.comm}\nPPid:\t${p.ppid ?? 1}\n`)
    // Field 22 (starttime) = 12345 ticks: 123.45 s after boot. comm with a space and a ')' on purpose.
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3))
    fields[22 - 3] = '12345'
    fs.writeFileSync(path.join(dir, 'stat'), `${p.pid} (${p.comm} x)) ${fields.join(' ')}\n`)
  }
  return root
}

t.test('readRunningDockerds: dockerds of our network namespace only, with argv, start time and wrapper parent', async (t) => {
  const proc = fakeProc(t, [
    { pid: 10, comm: 'node', cmdline: ['node', '/usr/local/bin/dockerd-autonet', '--debug'] },
    { pid: 11, comm: 'dockerd', cmdline: ['dockerd', '--debug', '--mtu=1450', '-H', 'unix:///run/x.sock'], ppid: 10 },
    { pid: 20, comm: 'dockerd', cmdline: ['/usr/bin/dockerd'], net: 'net:[2]' },
    { pid: 30, comm: 'containerd', cmdline: ['containerd'] },
  ])
  const asked: (string | null)[][] = []
  const readApi = async (p: string | null, shown: string | null): Promise<DockerApiFacts> => {
    asked.push([p, shown])
    return { socket: shown, error: null, containers: [], networks: [] }
  }
  const { dockerds, errors } = await readRunningDockerds({ proc, readApi })
  t.same(errors, [])
  t.equal(dockerds.length, 1, 'the dockerd of another network namespace is left out')
  t.match(dockerds[0], {
    pid: 11, command: 'dockerd', argv: ['--debug', '--mtu=1450', '-H', 'unix:///run/x.sock'],
    started_at: new Date((1700000000 + 123.45) * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
    via_wrapper: true, daemon_json_path: '/etc/docker/daemon.json',
  })
  t.same(asked, [['/run/x.sock', '/run/x.sock']], 'same mount namespace: the socket path as dockerd names it')
})

t.test('a dockerd on tcp:// only is asked nothing: no socket to read', async (t) => {
  const proc = fakeProc(t, [{ pid: 5, comm: 'dockerd', cmdline: ['dockerd', '-H', 'tcp://0.0.0.0:2376'] }])
  const asked: (string | null)[][] = []
  await readRunningDockerds({ proc, readApi: async (p, shown) => { asked.push([p, shown]); return { socket: shown, error: 'x', containers: null, networks: null } } })
  t.same(asked, [[null, null]])
})

t.test('a dockerd in another mount namespace is read through /proc/PID/root', async (t) => {
  const proc = fakeProc(t, [{ pid: 7, comm: 'dockerd', cmdline: ['dockerd', '--config-file=/etc/d.json'], mnt: 'mnt:[9]' }])
  fs.mkdirSync(path.join(proc, '7/root/etc'), { recursive: true })
  fs.writeFileSync(path.join(proc, '7/root/etc/d.json'), '{"mtu": 1400, "hosts": ["tcp://0.0.0.0:2375", "unix:///var/run/other.sock"]}')
  const asked: (string | null)[] = []
  const { dockerds } = await readRunningDockerds({ proc, readApi: async (p, shown) => { asked.push(p); return { socket: shown, error: 'x', containers: null, networks: null } } })
  t.same(dockerds[0].daemon_json, { mtu: 1400, hosts: ['tcp://0.0.0.0:2375', 'unix:///var/run/other.sock'] })
  t.equal(dockerds[0].daemon_json_path, '/etc/d.json')
  t.same(asked, [`${proc}/7/root/var/run/other.sock`])
  t.equal(dockerds[0].via_wrapper, false)

  fs.writeFileSync(path.join(proc, '7/root/etc/d.json'), '{"mtu": 1400,,}')
  const broken = await readRunningDockerds({ proc, readApi: async () => ({ socket: null, error: 'x', containers: null, networks: null }) })
  t.match(broken.dockerds[0].daemon_json_error, /^daemon.json: \/etc\/d.json: invalid JSON at line 1/, 'the error names the path dockerd knows')
})

t.test('a dockerd with an empty --config-file reads no file: no daemon.json, no error', async (t) => {
  const proc = fakeProc(t, [{ pid: 8, comm: 'dockerd', cmdline: ['dockerd', '--config-file='] }])
  const { dockerds } = await readRunningDockerds({ proc, readApi: async () => ({ socket: null, error: 'x', containers: null, networks: null }) })
  t.equal(dockerds[0].daemon_json, null)
  t.equal(dockerds[0].daemon_json_error, null)
})

t.test('splitCmdline', async (t) => {
  t.same(splitCmdline('dockerd\0--debug\0\0'), ['dockerd', '--debug', ''])
})
