/**
 * The verdicts on a download in the PMTU black hole (lib/topologies.ts), and the MSS clamp rule
 * in the pod as the tests read it: shared by every e2e file that proves a download completes
 * through dockerd-autonet and stalls without it.
 */
import type { Test } from 'tap'
import { mssClampArgs } from '../../../src/tools/iptables.js'
import type { BlackHole, Download } from './topologies.js'

/** The download completed: exit 0, every byte, the server's SHA-256. */
export function completes(t: Test, dl: Download, h: BlackHole, what: string): void {
  const diag = { output: dl.output.slice(-2000) }
  t.equal(dl.exitCode, 0, `${what}: download completes`, diag)
  t.equal(dl.bytes, h.bytes, `${what}: all ${h.bytes} bytes arrive`, diag)
  t.equal(dl.sha256, h.sha256, `${what}: checksum matches the server's`, diag)
}

/**
 * The download stalled: a small response passed (the path itself works), the large one was cut
 * by its `stallS` bound (not refused or unreachable, which fail fast) with bytes missing.
 */
export function stalls(t: Test, dl: Download, h: BlackHole, what: string, stallS: number): void {
  const diag = { output: dl.output.slice(-2000) }
  t.ok(dl.smallOk, `${what}: a small response passes (the path itself works)`, diag)
  t.not(dl.exitCode, 0, `${what}: download does not complete`, diag)
  t.ok((dl.bytes ?? 0) < h.bytes, `${what}: only ${dl.bytes} of ${h.bytes} bytes arrive`, diag)
  t.not(dl.sha256, h.sha256, `${what}: no matching checksum`, diag)
  const ms = dl.downloadMs ?? dl.wallMs
  t.ok(ms >= stallS * 1000 * 0.9, `${what}: stalled until the ${stallS} s bound (${Math.round(ms)} ms)`, diag)
}

/** The pod's mangle FORWARD rules (iptables -S) and the packets its TCPMSS rules have matched. */
export async function mangleForward(h: BlackHole): Promise<{ rules: string, clampHits: number }> {
  const rules = await h.topo.execOk('pod', ['iptables', '-w', '-t', 'mangle', '-S', 'FORWARD'])
  const counted = await h.topo.execOk('pod', ['iptables', '-w', '-t', 'mangle', '-L', 'FORWARD', '-v', '-n', '-x'])
  const clampHits = counted.split('\n').filter((l) => l.includes('TCPMSS')).reduce((n, l) => n + (Number(l.trim().split(/\s+/)[0]) || 0), 0)
  return { rules, clampHits }
}

/** What `iptables -S` prints for the clamp rule. */
export const CLAMP_RULE_LISTED = /-p tcp .*--tcp-flags SYN,RST SYN .*-j TCPMSS --clamp-mss-to-pmtu/

/**
 * Deletes dockerd-autonet's clamp rule from the pod, the control that shows the clamp (and not
 * the rest of the plan) is what carries a download: the same daemon, the same network, then stalls.
 */
export async function dropClampRule(h: BlackHole): Promise<void> {
  await h.topo.iptables('pod', mssClampArgs('-D'))
}

/**
 * The clamp carried a download that completed at 1500 (`completes` already checked it): its rule
 * is in the pod's mangle FORWARD, it rewrote forwarded SYNs, and nothing oversized reached the
 * hole. Then the control: the rule deleted, the same `download` on the same daemon stalls.
 */
export async function clampCarriedIt(t: Test, h: BlackHole, download: () => Promise<Download>, stallS: number): Promise<void> {
  const { rules, clampHits } = await mangleForward(h)
  t.match(rules, CLAMP_RULE_LISTED, 'the clamp rule is in the pod\'s mangle FORWARD', { rules })
  t.ok(clampHits > 0, `and it rewrote forwarded SYNs (${clampHits} packets)`)
  t.equal(await h.icmpDropped(), 0, 'no oversized packet ever reached the hole')
  await dropClampRule(h)
  stalls(t, await download(), h, 'control, clamp rule deleted', stallS)
}
