/**
 * Topologies from the field, shared by the e2e tests and the benchmark (bench/run.ts), so the
 * figures in BENCHMARKS.md come from the very network the tests prove things on.
 *
 * The PMTU black hole, as Docker-in-Docker meets it in a Kubernetes pod:
 *
 *   pod ──eth0 (podMtu)── router ──wan0 (1500)── wan
 *   10.200.x.2            NAT, drops ICMP         198.18.0.1: HTTP server
 *                         "fragmentation needed"
 *
 * A container of a plain dockerd in `pod` has MTU 1500 and advertises MSS 1460. The server,
 * itself on a 1500 link, answers with 1500-byte segments carrying DF (Linux TCP always sets it).
 * The router cannot forward them onto the podMtu link, so it drops them and emits ICMP
 * "fragmentation needed" — which its own firewall drops (OUTPUT: the router generates it;
 * FORWARD: in case a hop behind it does), as firewalls and cloud load balancers do in the field.
 * The server never learns the path MTU and retransmits the same segment until the client gives
 * up: small responses pass, large ones stall. Letting the ICMP through ({@link
 * BlackHole.letIcmpThrough}) is the control: the server then caches the path MTU and the very
 * same download completes.
 *
 * Offloads do not open the hole (no ethtool needed): forwarding checks each GSO segment, not
 * the aggregate, against the egress MTU (ip_forward → ip_exceeds_mtu →
 * skb_gso_validate_network_len), and veth does no GRO unless XDP or `ethtool -K gro on` enables
 * its NAPI. The tests verify the hole empirically anyway: the drop rules count packets, the
 * plain run stalls, the control completes.
 *
 * Two pod flavours, both with their real addressing:
 *  - flannel (VXLAN overhead 50): pod eth0 1450, 10.200.1.2/24, default via 10.200.1.1;
 *  - calico (IP-in-IP overhead 20): pod eth0 1480, 10.200.2.2/32, default via the link-local
 *    169.254.1.1 that the node's cali* veth answers by proxy ARP; plus a down decoy veth of
 *    1280, which a "minimum MTU of all interfaces" loop over /sys/class/net would pick.
 *
 * And the plain pod most other e2e tests start their daemons in ({@link podBehindWan}): one veth
 * to a gateway namespace, no router in between, nothing dropped.
 */
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { shq, sleep } from './exec.js'
import { createTopology, type Teardownable, type Topology } from './netns.js'

export const SERVER_IP = '198.18.0.1'
/** The router's wan-side address: the one the server sees (the router masquerades the pods). */
export const ROUTER_WAN_IP = '198.18.0.2'

export type PodStyle = 'flannel' | 'calico'

export interface BlackHoleOptions {
  /** Registers destroy() as a tap teardown. */
  t?: Teardownable
  /** Default 'flannel'. */
  style?: PodStyle
  /** MTU of the pod's only egress link (both ends); default 1450 (flannel) or 1480 (calico). */
  podMtu?: number
  /** Size of the large file in bytes; default 4 MiB. */
  fileBytes?: number
  /** A veth pair inside pod standing for an unused interface; default: calico has 1280, down. */
  decoy?: { mtu: number; up: boolean } | null
  /** Bound on the HTTP server's life in ms (it also dies with its namespace); default 10 min. */
  serverLifetimeMs?: number
}

export interface BlackHole {
  topo: Topology
  style: PodStyle
  podMtu: number
  /** The large file: URL, size and SHA-256 (hex) as served. */
  url: string
  bytes: number
  sha256: string
  /** A response that fits one small segment: proves the path works for small packets. */
  smallUrl: string
  smallText: string
  /** Host directory the server serves from (removed with the topology). */
  wwwDir: string
  /** Removes the router's ICMP drop rules: the control, which turns the hole into a normal path. */
  letIcmpThrough(): Promise<void>
  /** Packets the router's ICMP "fragmentation needed" drop rules have counted so far. */
  icmpDropped(): Promise<number>
  /** Path MTU the server has cached towards the router (learned from ICMP), or null if none. */
  serverPmtu(): Promise<number | null>
}

const DROP_ICMP = ['-p', 'icmp', '--icmp-type', 'fragmentation-needed', '-m', 'comment', '--comment', 'pmtu-black-hole', '-j', 'DROP']

/**
 * Builds the black-hole topology with a busybox httpd in `wan` serving a random file, and waits
 * until the server answers. Everything lives in namespaces (and one temp dir) of the returned
 * topology, removed by its destroy().
 */
export async function buildBlackHole(opts: BlackHoleOptions = {}): Promise<BlackHole> {
  const style = opts.style ?? 'flannel'
  const podMtu = opts.podMtu ?? (style === 'flannel' ? 1450 : 1480)
  const decoy = opts.decoy === undefined ? (style === 'calico' ? { mtu: 1280, up: false } : null) : opts.decoy
  const topo = await createTopology({ t: opts.t })
  for (const ns of ['wan', 'router', 'pod']) await topo.addNetns(ns)

  await topo.addVeth(
    { ns: 'wan', name: 'eth0', mtu: 1500, addrs: [`${SERVER_IP}/24`] },
    { ns: 'router', name: 'wan0', mtu: 1500, addrs: [`${ROUTER_WAN_IP}/24`] })
  // The node's own way to the internet; also what proxy ARP needs to answer for 169.254.1.1.
  await topo.setDefaultRoute('router', { via: SERVER_IP, dev: 'wan0' })
  await topo.sysctl('router', 'net.ipv4.ip_forward', 1)
  // Linux's default, pinned: a probing server would eventually shrink its segments and crawl
  // through the hole, turning a stall into a slow download.
  await topo.sysctl('wan', 'net.ipv4.tcp_mtu_probing', 0)

  if (style === 'flannel') {
    await topo.addVeth(
      { ns: 'router', name: 'vethpod', mtu: podMtu, addrs: ['10.200.1.1/24'] },
      { ns: 'pod', name: 'eth0', mtu: podMtu, addrs: ['10.200.1.2/24'] })
    await topo.setDefaultRoute('pod', { via: '10.200.1.1', dev: 'eth0' })
  } else {
    const cali = 'cali0a1b2c3d4e5'
    await topo.addVeth(
      { ns: 'router', name: cali, mtu: podMtu },
      { ns: 'pod', name: 'eth0', mtu: podMtu, addrs: ['10.200.2.2/32'] })
    await topo.sysctl('router', `net.ipv4.conf.${cali}.proxy_arp`, 1)
    await topo.addRoute('router', '10.200.2.2/32', { dev: cali })
    await topo.ip('pod', ['route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link'])
    await topo.setDefaultRoute('pod', { via: '169.254.1.1', dev: 'eth0' })
  }
  if (decoy) {
    // No dummy driver in this kernel: a veth pair with both ends in pod is the idle interface.
    await topo.addVeth(
      { ns: 'pod', name: 'decoy0', mtu: decoy.mtu, up: decoy.up },
      { ns: 'pod', name: 'decoy0p', mtu: decoy.mtu, up: decoy.up })
  }

  await topo.iptables('router', ['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.200.0.0/16', '-o', 'wan0', '-j', 'MASQUERADE'])
  for (const chain of ['OUTPUT', 'FORWARD']) await topo.iptables('router', ['-I', chain, ...DROP_ICMP])

  // The served files.
  const www = fs.mkdtempSync(path.join(os.tmpdir(), `${topo.prefix}www`))
  topo.defer(`www ${www}`, async () => fs.rmSync(www, { recursive: true, force: true }), `rm -rf ${shq(www)}`)
  const bytes = opts.fileBytes ?? 4 * 1024 * 1024
  const sha256 = writeRandomFile(path.join(www, 'blob'), bytes)
  const smallText = `small-${topo.id}`
  fs.writeFileSync(path.join(www, 'small'), `${smallText}\n`)

  // -f keeps httpd in the foreground, so the bound below applies to it; removing the wan
  // namespace kills it in any case (netns removal kills every process inside).
  void topo.exec('wan', ['busybox', 'httpd', '-f', '-p', `${SERVER_IP}:80`, '-h', www],
    { timeoutMs: opts.serverLifetimeMs ?? 600_000 }).catch(() => {})
  const smallUrl = `http://${SERVER_IP}/small`
  await waitForServer(topo, smallUrl, smallText)

  return {
    topo, style, podMtu, url: `http://${SERVER_IP}/blob`, bytes, sha256, smallUrl, smallText, wwwDir: www,
    async letIcmpThrough() {
      for (const chain of ['OUTPUT', 'FORWARD']) await topo.iptables('router', ['-D', chain, ...DROP_ICMP])
    },
    async icmpDropped() {
      let n = 0
      for (const chain of ['OUTPUT', 'FORWARD']) {
        const out = await topo.iptables('router', ['-L', chain, '-v', '-n', '-x'])
        for (const line of out.split('\n')) if (line.includes('pmtu-black-hole')) n += Number(line.trim().split(/\s+/)[0]) || 0
      }
      return n
    },
    async serverPmtu() {
      const out = await topo.execOk('wan', ['ip', 'route', 'get', ROUTER_WAN_IP])
      const m = /\bmtu (\d+)/.exec(out)
      return m ? Number(m[1]) : null
    },
  }
}

/** Writes `bytes` random bytes to `file` and returns their SHA-256 in hex. */
function writeRandomFile(file: string, bytes: number): string {
  const hash = createHash('sha256')
  const fd = fs.openSync(file, 'w')
  try {
    for (let left = bytes; left > 0;) {
      const chunk = randomBytes(Math.min(left, 1 << 20))
      hash.update(chunk)
      fs.writeSync(fd, chunk)
      left -= chunk.length
    }
  } finally {
    fs.closeSync(fd)
  }
  return hash.digest('hex')
}

async function waitForServer(topo: Topology, url: string, text: string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const r = await topo.exec('router', ['busybox', 'wget', '-q', '-O', '-', url], { timeoutMs: 3_000 })
    if (r.exitCode === 0 && r.stdout.trim() === text) return
    if (Date.now() > deadline) throw new Error(`HTTP server in ${topo.ns('wan')} did not answer ${url}: ${r.stderr}`)
    await sleep(100)
  }
}

/** What a container saw while downloading. */
export interface Download {
  /** eth0 MTU of the container. */
  mtu: number | null
  /** The small file came through (the path works for small packets). */
  smallOk: boolean
  /** wget's exit status under `timeout` (143: cut by the timeout). */
  exitCode: number | null
  /** Bytes received (only with sink 'file'). */
  bytes: number | null
  /** SHA-256 of what was received (only with sink 'file'). */
  sha256: string | null
  /** Duration of the large download measured inside the container, µs resolution; null if unavailable. */
  downloadMs: number | null
  /** Wall time of the whole `docker run`, ms. */
  wallMs: number
  /** docker run's own status and output, for diagnostics. */
  runExit: number
  output: string
}

/** Anything that runs the docker client against one daemon (a Dockerd). */
export interface DockerRunner {
  docker(args: string[], opts?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string; exitCode: number }>
}

/**
 * Runs a busybox container that reads its eth0 MTU, fetches the small file, then the large one
 * under `timeout timeoutS`, and reports what it got. busybox's `date` has no %N, so the
 * download is timed with `adjtimex` (a read-only query that prints the clock in µs).
 * Note: Debian's busybox 1.35 `wget -T` segfaults, hence the outer `timeout` as the only bound.
 */
export async function downloadInContainer(d: DockerRunner, hole: Pick<BlackHole, 'url' | 'smallUrl' | 'smallText'>, opts: {
  image: string
  timeoutS: number
  /** `docker run --network`; default: the default bridge. */
  network?: string
  /** 'file' (default) keeps the file to count and hash it; 'null' discards it (timing only). */
  sink?: 'file' | 'null'
}): Promise<Download> {
  const out = opts.sink === 'null' ? '/dev/null' : '/tmp/f'
  const script = `
now() { adjtimex 2>/dev/null | sed -n 's/.*tv_sec: *//p; s/.*tv_usec: *//p' | tr '\\n' ' '; }
echo "mtu=$(cat /sys/class/net/eth0/mtu)"
echo "small=$(wget -q -O - ${shq(hole.smallUrl)} 2>&1)"
echo "t0=$(now)"
timeout ${opts.timeoutS} wget -q -O ${out} ${shq(hole.url)}
echo "exit=$?"
echo "t1=$(now)"
if [ ${out} != /dev/null ]; then echo "bytes=$(wc -c < ${out})"; echo "sha256=$(sha256sum ${out} | cut -d' ' -f1)"; fi
`
  const args = ['run', '--rm', ...(opts.network ? ['--network', opts.network] : []), opts.image, 'sh', '-c', script]
  const start = process.hrtime.bigint()
  const r = await d.docker(args, { timeoutMs: (opts.timeoutS + 60) * 1000 })
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6
  const kv = new Map<string, string>()
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=')
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim())
  }
  const num = (k: string) => (kv.has(k) && kv.get(k) !== '' && Number.isFinite(Number(kv.get(k))) ? Number(kv.get(k)) : null)
  const clock = (k: string) => {
    const [s, us] = (kv.get(k) ?? '').split(/\s+/).map(Number)
    return Number.isFinite(s) && Number.isFinite(us) && s > 0 ? s * 1000 + us / 1000 : null
  }
  const t0 = clock('t0')
  const t1 = clock('t1')
  return {
    mtu: num('mtu'),
    smallOk: kv.get('small') === hole.smallText,
    exitCode: num('exit'),
    bytes: num('bytes'),
    sha256: kv.get('sha256') || null,
    downloadMs: t0 !== null && t1 !== null ? t1 - t0 : null,
    wallMs,
    runExit: r.exitCode,
    output: `${r.stdout}${r.stderr}`,
  }
}

export interface PodBehindWanOptions {
  /** Records the topology's namespace prefix, for the file's final leftovers check. */
  seen?: { netns: string[] }
  /** Logical name of the namespace at the other end of pod's eth0, pod's gateway; default 'wan'. */
  wan?: string
  /** pod's eth0 address (CIDR); default '10.200.0.2/24'. */
  podAddr?: string
  /** The gateway's eth0 addresses (CIDR); the first is pod's default route; default ['10.200.0.1/24']. */
  wanAddrs?: string[]
  /** MTU of both ends of eth0; default: none given (the kernel's 1500). */
  egressMtu?: number
  /** Put on the gateway's lo as a /32: an address pod reaches only through its default route. */
  wanServerIp?: string
  /** net.ipv4.ip_forward=1 in the gateway. */
  forwarding?: boolean
  /**
   * An up veth pair decoy0/decoy0p inside pod with this MTU, decoy0 carrying `addr` and no
   * default route: the interface a "minimum MTU of all interfaces" loop would pick.
   */
  decoy?: { mtu: number; addr: string }
}

/**
 * The pod of most e2e tests, its destroy() registered on `t`:
 *
 *   pod ──eth0 (egressMtu)── wan
 *   podAddr                  wanAddrs (pod's default gateway), wanServerIp/32 on lo
 *   decoy0 ── decoy0p        (optional, both in pod)
 */
export async function podBehindWan(t: Teardownable, o: PodBehindWanOptions = {}): Promise<Topology> {
  const wan = o.wan ?? 'wan'
  const wanAddrs = o.wanAddrs ?? ['10.200.0.1/24']
  const topo = await createTopology({ t })
  o.seen?.netns.push(topo.prefix)
  await topo.addNetns('pod')
  await topo.addNetns(wan)
  await topo.addVeth(
    { ns: 'pod', name: 'eth0', mtu: o.egressMtu, addrs: [o.podAddr ?? '10.200.0.2/24'] },
    { ns: wan, name: 'eth0', mtu: o.egressMtu, addrs: wanAddrs })
  await topo.setDefaultRoute('pod', { via: wanAddrs[0].split('/')[0], dev: 'eth0' })
  if (o.wanServerIp) await topo.addAddr(wan, 'lo', `${o.wanServerIp}/32`)
  if (o.forwarding) await topo.sysctl(wan, 'net.ipv4.ip_forward', 1)
  if (o.decoy) {
    // No dummy driver in this kernel: a veth pair inside pod is the up-but-unused link.
    await topo.addVeth(
      { ns: 'pod', name: 'decoy0', mtu: o.decoy.mtu, addrs: [o.decoy.addr] },
      { ns: 'pod', name: 'decoy0p', mtu: o.decoy.mtu })
  }
  return topo
}
