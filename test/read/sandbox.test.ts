/**
 * The markers of where the wrapper runs, read from stub procfs trees and a fake rootlesskit
 * API on a unix socket of the test's own.
 */
import t from 'tap'
import { join } from 'node:path'
import { detectSandbox, GVISOR_VERSION_STRING, readSandbox, rootlesskitDriver, sandboxFromMountinfo } from '../../src/read/sandbox.js'
import { unixHttpServer } from '../helpers/unix-server.js'

const LINUX_VERSION = 'Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)\n'
// A runc container's mountinfo (overlay root, proc, sysfs): no sandbox.
const RUNC_MOUNTINFO = [
  '630 520 0:52 / / rw,relatime master:255 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A,upperdir=/var/lib/docker/overlay2/x/diff',
  '631 630 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
  '640 630 0:60 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro',
].join('\n') + '\n'

t.test('plain Linux in a runc container: no sandbox', async (t) => {
  const proc = t.testdir({ version: LINUX_VERSION, self: { mountinfo: RUNC_MOUNTINFO } })
  t.equal(await detectSandbox(proc), null)
})

t.test('gVisor by its marker file, or by its fixed /proc/version build string (old and new release)', async (t) => {
  const marker = t.testdir({ gvisor: { kernel_is_gvisor: '' }, version: LINUX_VERSION })
  t.match(await detectSandbox(marker), { kind: 'gvisor', evidence: /\/gvisor exists/ })
  for (const release of ['4.4.0', '4.19.0-gvisor']) {
    const proc = t.testdir({ version: `Linux version ${release} ${GVISOR_VERSION_STRING}\n`, self: { mountinfo: '' } })
    t.match(await detectSandbox(proc), { kind: 'gvisor', evidence: /fixed build string/ }, release)
  }
  // The date alone in an ordinary kernel's banner is not the marker.
  t.equal(await detectSandbox(t.testdir({ version: 'Linux version 4.4.0-210-generic #242-Ubuntu SMP Fri Apr 16 09:57:56 UTC 2021\n' })), null)
})

t.test('Sysbox and Kata by their mounts in mountinfo', async (t) => {
  const sysbox = RUNC_MOUNTINFO + '651 631 0:66 /sys /proc/sys rw,nosuid,nodev,relatime - fuse sysboxfs rw,user_id=0,group_id=0,default_permissions,allow_other\n'
  t.same(sandboxFromMountinfo(sysbox), { kind: 'sysbox', evidence: '/proc/self/mountinfo: sysbox-fs (fuse, source sysboxfs) mounted on /proc/sys' })
  const kata = '81 80 0:22 /containers/abc/rootfs / rw,relatime - virtiofs kataShared rw\n' + RUNC_MOUNTINFO
  t.same(sandboxFromMountinfo(kata), { kind: 'kata', evidence: '/proc/self/mountinfo: the Kata shared file system (virtiofs, tag kataShared) mounted on /' })
  t.same(sandboxFromMountinfo('81 80 0:22 / /run/kata rw - 9p kataShared rw,trans=virtio\n')?.kind, 'kata', 'the 9p share too')
  t.equal(sandboxFromMountinfo('garbage\n\n- - -\n'), null, 'malformed lines are skipped')
  const proc = t.testdir({ version: LINUX_VERSION, self: { mountinfo: sysbox } })
  t.equal((await detectSandbox(proc))?.kind, 'sysbox')
})

t.test('no rootlesskit variable: no rootlesskit facts, no request', async (t) => {
  let asked = 0
  const r = await readSandbox({ proc: t.testdir({}), env: {}, euid: 0, rootlesskitInfo: async () => { asked++; return {} } })
  t.same(r, { euid: 0, rootlesskit: null, sandbox: null, errors: [] })
  t.equal(asked, 0)
})

t.test('under rootlesskit: the driver from its API on $ROOTLESSKIT_STATE_DIR/api.sock', async (t) => {
  const seen: string[] = []
  const { dir, sock } = await unixHttpServer(t, (req, res) => {
    seen.push(`${req.method} ${req.url}`)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ apiVersion: '1.1.0', stateDir: '/tmp/x', networkDriver: { driver: 'slirp4netns', dns: ['10.0.2.3'] }, portDriver: { driver: 'builtin' } }))
  })
  // The state dir holds api.sock; serve on that name.
  const { rename } = await import('node:fs/promises')
  await rename(sock, join(dir, 'api.sock'))
  const r = await readSandbox({ proc: t.testdir({}), env: { ROOTLESSKIT_STATE_DIR: dir }, euid: 0 })
  t.same(r.rootlesskit, { net: 'slirp4netns' })
  t.same(r.errors, [])
  t.same(seen, ['GET /v1/info'])
})

t.test('rootlesskit\'s API silent or missing: facts kept (rootless), driver unknown, the reason in errors', async (t) => {
  const dir = t.testdir({})
  const r = await readSandbox({ proc: t.testdir({}), env: { ROOTLESSKIT_STATE_DIR: dir }, euid: 0, timeoutMs: 200 })
  t.same(r.rootlesskit, { net: null })
  t.equal(r.errors.length, 1)
  t.match(r.errors[0], new RegExp(`^rootlesskit: could not ask its API on ${dir}/api.sock: .*; network driver unknown$`))
})

t.test('networkDriver.driver: "" is --net=host; anything else without a string is unknown', async (t) => {
  t.equal(rootlesskitDriver({ networkDriver: { driver: '' } }), '')
  t.equal(rootlesskitDriver({ networkDriver: { driver: 'pasta' } }), 'pasta')
  t.equal(rootlesskitDriver({ networkDriver: {} }), null)
  t.equal(rootlesskitDriver(null), null)
  t.equal(rootlesskitDriver('x'), null)
})
