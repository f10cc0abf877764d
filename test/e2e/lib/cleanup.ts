/**
 * Process-wide registry of everything the e2e harness creates outside the test process
 * (network namespaces, dockerd instances with their containerd, cgroups, temp dirs).
 *
 * Each resource carries a forced-removal script in POSIX sh. Keeping the last line of defence
 * in sh rather than TypeScript means the same script can run from three places:
 *   - the graceful paths (Topology.destroy, Dockerd.stop) as their final sweep,
 *   - the test process's own exit/SIGINT/SIGTERM/SIGHUP/SIGALRM handlers (synchronously),
 *   - a detached reaper that outlives the test process, for when tap SIGKILLs it after a
 *     timeout (tap sends SIGALRM, then SIGKILL 500 ms later) and no handler gets to run.
 * Scripts must be idempotent and must never match the test process itself.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { run } from './exec.js'

/** Result of running a forced-removal script. */
export interface CleanupOutcome {
  ok: boolean
  output: string
}

/** A resource registered for forced removal. */
export interface Tracked {
  readonly label: string
  readonly released: boolean
  /** Replaces the removal script, e.g. once the resource's mount namespace is known. */
  setScript(script: string): void
  /** Runs the removal script now, then forgets the resource (even if the script failed). */
  force(): Promise<CleanupOutcome>
  /** Synchronous {@link force}, for exit handlers. */
  forceSync(): CleanupOutcome
  /** Forgets the resource without touching it. */
  release(): void
}

interface Entry {
  label: string
  script: string
}

const SCRIPT_TIMEOUT_MS = 60_000
const live: Entry[] = []
let manifestPath: string | undefined
let hooksInstalled = false
let alarms = 0

function manifestText(): string {
  // Newest first: a dockerd must go before the namespace it runs in.
  const parts = [...live].reverse().map((e) =>
    `# ${e.label.replace(/\n/g, ' ')}\n(\n${e.script}\n) </dev/null >/dev/null 2>&1\n`)
  return `#!/bin/sh\n${parts.join('')}`
}

function writeManifest(): void {
  if (!manifestPath) return
  try {
    const tmp = `${manifestPath}.tmp`
    fs.writeFileSync(tmp, manifestText(), { mode: 0o600 })
    fs.renameSync(tmp, manifestPath)
  } catch {
    // The reaper is a backstop; failing to update it must not fail a test.
  }
}

// The reaper polls for the test process and, once it is gone for whatever reason, runs whatever
// is still in the manifest. A clean exit leaves an empty manifest, so the reaper then does nothing.
const REAPER = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
[ -f "$2" ] && sh "$2" </dev/null >/dev/null 2>&1
rm -f "$2" "$2.tmp"
`

function startReaper(): void {
  manifestPath = path.join(os.tmpdir(), `dan-reaper-${process.pid}-${randomBytes(3).toString('hex')}.sh`)
  writeManifest()
  try {
    const child = spawn('sh', ['-c', REAPER, 'dan-reaper', String(process.pid), manifestPath], {
      detached: true,
      stdio: 'ignore',
    })
    child.on('error', () => {})
    child.unref()
  } catch {
    // Without a reaper we still have the in-process handlers.
  }
}

function onSignal(sig: NodeJS.Signals, code: number): void {
  forceAllSync()
  if (sig === 'SIGALRM') {
    // tap catches the first SIGALRM to report a timeout and sends a second one to finish the
    // process; only the second (or one nobody else listens to) should end it here.
    alarms++
    if (alarms < 2 && process.listenerCount('SIGALRM') > 1) return
  }
  process.exit(code)
}

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', () => forceAllSync())
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129], ['SIGALRM', 142],
  ]
  for (const [sig, code] of signals) process.on(sig, () => onSignal(sig, code))
  startReaper()
}

function runScriptSync(script: string): CleanupOutcome {
  const r = spawnSync('sh', ['-s'], { input: script, timeout: SCRIPT_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' })
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` }
}

async function runScript(script: string): Promise<CleanupOutcome> {
  // Fed on stdin, not via -c, so the script text (which names our temp dirs) never appears in
  // a command line that the scripts' own process scans could match.
  const r = await run(['sh', '-s'], { input: script, timeoutMs: SCRIPT_TIMEOUT_MS })
  return { ok: r.exitCode === 0, output: `${r.stdout}${r.stderr}` }
}

/** Registers a resource with its idempotent forced-removal sh script. */
export function track(label: string, script: string): Tracked {
  installHooks()
  const entry: Entry = { label, script }
  live.push(entry)
  writeManifest()
  let released = false
  const release = () => {
    if (released) return
    released = true
    const i = live.indexOf(entry)
    if (i >= 0) live.splice(i, 1)
    writeManifest()
  }
  return {
    label,
    get released() { return released },
    setScript(s: string) {
      entry.script = s
      if (!released) writeManifest()
    },
    async force() {
      const out = await runScript(entry.script)
      release()
      return out
    },
    forceSync() {
      const out = runScriptSync(entry.script)
      release()
      return out
    },
    release,
  }
}

/** Forcibly removes every registered resource, newest first. Safe to call repeatedly. */
export function forceAllSync(): void {
  while (live.length > 0) {
    const e = live.pop()!
    const out = runScriptSync(e.script)
    if (!out.ok) process.stderr.write(`e2e cleanup of ${e.label} reported a problem:\n${out.output}\n`)
  }
  writeManifest()
}

/** Labels of resources still registered (for diagnostics). */
export function liveResources(): string[] {
  return live.map((e) => e.label)
}
