/**
 * `dockerd-autonet doctor` against real daemons in a namespace whose egress MTU is 1450:
 * - plain dockerd (containers get 1500), a container running so its veth exists, and a
 *   conntrack entry left by a container that is gone: the mismatch, the veth and the entry are
 *   reported, exit 1;
 * - dockerd started through the wrapper: healthy, exit 0; then the egress MTU is lowered under
 *   the running daemon: drift reported, exit 1;
 * - `snapshot --anonymize` of the live namespace replays with `plan --state` to the same plan.
 * doctor runs inside the daemon's network and mount namespaces (Dockerd.inside), where /proc
 * still lists every process of the machine: it must pick its own daemon by network namespace.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import type { DoctorReport } from '../../src/doctor/format.js'
import type { Finding } from '../../src/doctor/types.js'
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './lib/busybox-image.js'
import { startDockerd, type Dockerd } from './lib/dockerd.js'
import { run } from './lib/exec.js'
import { findLeftovers, newSeen } from './lib/leftovers.js'
import type { Teardownable } from './lib/netns.js'
import { forEachEngine } from './lib/matrix.js'
import { podBehindWan } from './lib/topologies.js'
import { BIN } from './lib/wrapper.js'

const EGRESS_MTU = 1450

forEachEngine(t, import.meta.url, (t, engine) => {
  t.setTimeout(240_000)
  const seen = newSeen()

  /** pod --eth0 (mtu 1450, 10.200.0.2/24)--> wan (10.200.0.1, 198.18.0.1 on lo, forwarding). */
  const pod = (tt: Teardownable) => podBehindWan(tt, { seen, egressMtu: EGRESS_MTU, wanServerIp: '198.18.0.1', forwarding: true })

  async function doctor(tt: Test, d: Dockerd, json = true): Promise<{ code: number, report: DoctorReport | null, text: string }> {
    const t0 = Date.now()
    const r = await d.inside([process.execPath, BIN, 'doctor', ...(json ? ['--json'] : [])], { timeoutMs: 60_000 })
    tt.comment(`doctor${json ? ' --json' : ''}: exit ${r.exitCode} in ${Date.now() - t0} ms`)
    if (r.stderr.trim()) tt.comment(`stderr: ${r.stderr.trim()}`)
    return { code: r.exitCode, report: json ? JSON.parse(r.stdout) as DoctorReport : null, text: r.stdout }
  }

  const readOr = (f: string) => { try { return fs.readFileSync(f, 'utf8') } catch { return '' } }

  const find = (report: DoctorReport, check: string, severity?: string): Finding[] =>
    report.findings.filter((f) => f.check === check && (!severity || f.severity === severity))

  async function runningContainer(tt: Test, d: Dockerd): Promise<void> {
    await ensureBusyboxImage(d)
    const r = await d.docker(['run', '-d', '--name', 'sleeper', BUSYBOX_IMAGE, 'sleep', '600'])
    tt.equal(r.exitCode, 0, 'a container runs', { stderr: r.stderr })
  }

  t.test('plain dockerd on a 1450 egress: mismatch, the container veth and a stale conntrack entry reported, exit 1', async (t) => {
    const topo = await pod(t)
    const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo })
    seen.tmpDirs.push(d.tmpDir)
    // Another daemon on the machine, in another network namespace: /proc shows it to doctor too.
    await topo.addNetns('other')
    const other = await startDockerd({ engine, netns: topo.ns('other'), topology: topo })
    seen.tmpDirs.push(other.tmpDir)
    await runningContainer(t, d)
    // A container that pings out and is gone leaves its ICMP flow behind (30 s timeout).
    const gone = await d.docker(['run', '--rm', BUSYBOX_IMAGE, 'sh', '-c', 'ip -4 -o addr show eth0; ping -c 1 -W 3 198.18.0.1'])
    t.equal(gone.exitCode, 0, 'the short-lived container reached 198.18.0.1', { out: gone.stdout + gone.stderr })
    const goneIp = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(gone.stdout)?.[1]
    t.ok(goneIp, `short-lived container had ${goneIp}`)

    const { code, report } = await doctor(t, d)
    t.equal(code, 1, 'exit 1: problems found')
    if (!report) return
    t.equal(report.status, 'problems')
    const all = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && readOr(`/proc/${p}/comm`) === 'dockerd\n').map(Number)
    t.ok(all.includes(other.pid) && all.includes(d.pid), `${all.length} dockerd processes on the machine`)
    t.same(report.dockerds.map((x) => x.pid), [d.pid], 'exactly this namespace\'s dockerd, out of every dockerd on the machine')
    t.match(find(report, 'egress'), [{ severity: 'ok', subject: 'eth0', mtu: EGRESS_MTU }])
    t.match(find(report, 'mtu', 'problem'), [{ subject: `dockerd pid ${d.pid}`, mtu: 1500, message: /gives containers mtu 1500 .* but the egress eth0 has mtu 1450/, fix: /--mtu=1450/ }])
    t.match(find(report, 'bridge', 'problem'), [{ subject: 'docker0', mtu: 1500 }])
    const ports = find(report, 'port', 'problem')
    t.equal(ports.length, 1, 'the running container\'s veth')
    t.match(ports[0], { subject: /^veth/, mtu: 1500 })
    t.same(find(report, 'bridge-mac'), [], `docker0 made by ${engine.label} has a fixed MAC (addr_assign_type 3)`)
    const ct = find(report, 'conntrack', 'problem')
    t.equal(ct.length, 1, 'the gone container\'s flow')
    t.match(ct[0]?.message, new RegExp(`icmp ${goneIp!.replace(/\./g, '\\.')} -> 198\\.18\\.0\\.1`))
    t.match(ct[0]?.fix, new RegExp(`conntrack -D -p icmp -s ${goneIp!.replace(/\./g, '\\.')} -d 198\\.18\\.0\\.1`))
    t.same(find(report, 'dockerd', 'unknown'), [])

    const table = await doctor(t, d, false)
    t.equal(table.code, 1)
    t.match(table.text, /^STATUS\s+CHECK\s+SUBJECT\s+MTU\s+FINDING\n/)
    t.match(table.text, /problems found \(\d+ problems\): exit 1\n?$/)
    t.comment(`doctor output (plain dockerd):\n${table.text}`)

    // The same namespace, anonymized: same egress, MTU and actions on replay.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dan-${topo.id}-s`))
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
    const plain = await d.inside([process.execPath, BIN, 'snapshot'], { timeoutMs: 30_000 })
    const anon = await d.inside([process.execPath, BIN, 'snapshot', '--anonymize'], { timeoutMs: 30_000 })
    t.equal(plain.exitCode, 0)
    t.equal(anon.exitCode, 0)
    fs.writeFileSync(path.join(dir, 'plain.json'), plain.stdout)
    fs.writeFileSync(path.join(dir, 'anon.json'), anon.stdout)
    const plans = await Promise.all(['plain', 'anon'].map(async (f) => {
      const r = await run([process.execPath, BIN, 'plan', '--state', path.join(dir, `${f}.json`), '--json'])
      t.equal(r.exitCode, 0, `plan --state ${f}.json`, { stderr: r.stderr })
      return JSON.parse(r.stdout)
    }))
    t.equal(plans[1].egress, plans[0].egress, 'egress (eth0 keeps its name)')
    t.equal(plans[1].mtu, plans[0].mtu, `mtu ${plans[0].mtu}`)
    t.same(plans[1].actions.map((a: any) => a.type), plans[0].actions.map((a: any) => a.type), 'same actions')
    t.same(plans[1].actions.map((a: any) => a.ids?.length ?? 0), plans[0].actions.map((a: any) => a.ids?.length ?? 0), 'same number of entries per action')
    const original = JSON.parse(plain.stdout)
    for (const l of original.links) {
      if (l.mac && l.mac !== '00:00:00:00:00:00') t.notOk(anon.stdout.includes(l.mac), `MAC of ${l.name} not in the anonymized snapshot`)
      if (/^veth/.test(l.name)) t.notOk(anon.stdout.includes(`"${l.name}"`), `${l.name} renamed`)
    }
    t.notOk(anon.stdout.includes('10.200.0.2'), 'the pod address is replaced')
    t.notOk(anon.stdout.includes(d.tmpDir), 'no instance paths in links, routes or conntrack') // argv is empty: snapshot was given no dockerd flags
  })

  t.test('dockerd through dockerd-autonet: healthy (exit 0); egress MTU lowered under it: drift (exit 1)', async (t) => {
    const topo = await pod(t)
    const d = await startDockerd({ engine, netns: topo.ns('pod'), topology: topo, command: [process.execPath, BIN] })
    seen.tmpDirs.push(d.tmpDir)
    t.match(d.log(), /--mtu=1450/, 'the wrapper planned --mtu=1450')
    await runningContainer(t, d)

    const { code, report } = await doctor(t, d)
    t.equal(code, 0, 'exit 0: healthy', { findings: report?.findings.filter((f) => f.severity !== 'ok') })
    if (!report) return
    t.equal(report.status, 'healthy')
    t.equal(report.dockerds.length, 1)
    t.match(report.dockerds[0], { via_wrapper: true, api: { error: null, containers: 1 } })
    t.match(find(report, 'mtu', 'ok'), [{ message: 'mtu 1450 fits the egress eth0 mtu 1450' }])
    t.match(find(report, 'port', 'ok'), [{ subject: /^veth/, mtu: 1450 }])
    t.same(report.findings.filter((f) => f.severity === 'problem' || f.severity === 'warn' || f.severity === 'unknown'), [])
    t.comment(`doctor output (through the wrapper):\n${(await doctor(t, d, false)).text}`)

    // Routes can change after start (moby#18108): the pod's link now carries 1400.
    await topo.linkSet('pod', 'eth0', { mtu: 1400 })
    const after = await doctor(t, d)
    t.equal(after.code, 1, 'exit 1 after the egress MTU dropped')
    if (!after.report) return
    t.match(find(after.report, 'drift', 'problem'), [{ mtu: 1450, message: /runs with mtu 1450 \(its --mtu=1450\) but the egress eth0 now has mtu 1400: the egress or its MTU changed after dockerd started/ }])
    t.match(find(after.report, 'port', 'problem'), [{ subject: /^veth/, mtu: 1450 }])
    t.comment(`doctor output (after the egress MTU dropped):\n${(await doctor(t, d, false)).text}`)
    await d.stop()
    t.same(await findLeftovers({ tmpDirs: [d.tmpDir] }), [])
  })

  t.test('doctor leaves nothing behind', async (t) => {
    t.same(await findLeftovers(seen), [], 'no namespaces, dirs, mounts, processes or cgroups')
  })
})
