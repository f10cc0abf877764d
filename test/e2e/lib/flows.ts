/**
 * Traffic for conntrack tests: small Node programs run inside a namespace of a Topology
 * (`ip netns exec NS timeout SECS node -e SCRIPT`), bounded by timeout(1), stopped by the test and
 * killed with the namespace in any case. Plus `conntrack -L` of a namespace, parsed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { parseConntrackList } from '../../../src/tools/conntrack.js'
import type { ConntrackEntry } from '../../../src/model.js'
import { settlesWithin, sleep } from './exec.js'
import type { Topology } from './netns.js'

/** A program running in a namespace; its stdout lines are collected. */
export interface Background {
  lines(): string[]
  /** Resolves with the first line matching `re`; rejects after `ms` or when the program exits first. */
  waitFor(re: RegExp, ms?: number): Promise<string>
  stop(): Promise<void>
}

// tap's loader and its bookkeeping variables must not follow into these helper programs.
const ENV_DROP = /^(TAP|_TAPJS_|NODE_OPTIONS$|TS_NODE_)/

/**
 * Runs `node -e script args...` in namespace `ns` for at most `lifetimeS` seconds. Registered
 * on the topology, so it is stopped before the namespaces go even when the test fails.
 */
export function runInNetns(topo: Topology, ns: string, script: string, args: string[] = [], lifetimeS = 120): Background {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !ENV_DROP.test(k)) env[k] = v
  const child: ChildProcess = spawn('ip', ['netns', 'exec', topo.ns(ns), 'timeout', '-s', 'KILL', String(lifetimeS), process.execPath, '-e', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env,
  })
  child.on('error', () => {})
  const out: string[] = []
  let err = ''
  let partial = ''
  const waiters: (() => void)[] = []
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString('utf8')
    const parts = partial.split('\n')
    partial = parts.pop()!
    out.push(...parts)
    for (const w of waiters.splice(0)) w()
  })
  child.stderr!.on('data', (d: Buffer) => { err += d.toString('utf8') })
  const exited = new Promise<void>((resolve) => child.once('exit', () => { for (const w of waiters.splice(0)) w(); resolve() }))
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await settlesWithin(exited, 5_000)
    })()
    return stopping
  }
  topo.defer(`node in ${ns}`, stop)
  return {
    lines: () => [...out],
    stop,
    async waitFor(re, ms = 10_000) {
      const end = Date.now() + ms
      for (;;) {
        const hit = out.find((l) => re.test(l))
        if (hit !== undefined) return hit
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`program in ${ns} exited before printing ${re}: ${err.trim()}`)
        if (Date.now() > end) throw new Error(`program in ${ns} did not print ${re} within ${ms} ms; stderr: ${err.trim()}; stdout: ${out.join(' | ')}`)
        await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(Math.min(200, Math.max(0, end - Date.now())))])
      }
    },
  }
}

/** `conntrack -L` (both families) inside a namespace, parsed. */
export async function conntrackList(topo: Topology, ns: string): Promise<ConntrackEntry[]> {
  const out: ConntrackEntry[] = []
  for (const f of ['ipv4', 'ipv6']) out.push(...parseConntrackList(await topo.execOk(ns, ['conntrack', '-L', '-f', f])))
  return out
}

/** One line per entry for diagnostics: `udp 10.0.0.2:4002 -> 10.0.0.1:5514 / 10.0.0.1:5514 -> 10.0.0.2:4002 [UNREPLIED]`. */
export function showEntry(e: ConntrackEntry): string {
  return `${e.proto} ${e.orig.src}:${e.orig.sport ?? ''} -> ${e.orig.dst}:${e.orig.dport ?? ''} / ${e.reply.src}:${e.reply.sport ?? ''} -> ${e.reply.dst}:${e.reply.dport ?? ''}${e.flags?.length ? ` [${e.flags.join(',')}]` : ''}`
}

/**
 * A UDP sender: from `src:sport` to `dst:dport`, one datagram every `everyMs` ("seq N"), until
 * stopped. The socket is unconnected, so ICMP port-unreachable answers do not stop it.
 */
export const UDP_SENDER = `
const [src, sport, dst, dport, every] = process.argv.slice(1)
const s = require('dgram').createSocket('udp4')
s.on('error', (e) => { console.log('error ' + e.message) })
let n = 0
s.bind(Number(sport), src, () => {
  console.log('bound')
  setInterval(() => s.send('seq ' + (++n) + '\\n', Number(dport), dst), Number(every))
})
`
