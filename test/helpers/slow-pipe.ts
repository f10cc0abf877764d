/**
 * A launcher's stdout into a pipe its reader leaves alone for a while, as `… | jq` or a slow
 * ssh session does: the first 64 KiB fill the kernel's pipe buffer and the rest waits in Node.
 * Used to check that the launchers exit only once all of it is out (src/launch/exit.ts).
 */
import { execa } from 'execa'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A daemon.json with 5000 labels (about 300 KB): `snapshot` prints it back whole. */
export function bigDaemonJson(dir: string): { path: string, labels: string[] } {
  const labels = Array.from({ length: 5000 }, (_, i) => `label${i}=${'x'.repeat(50)}`)
  const path = join(dir, 'daemon.json')
  writeFileSync(path, JSON.stringify({ labels }))
  return { path, labels }
}

/**
 * Run `cmd` with its stdout into a pipe read only after `delayMs` (by sh: `{ CMD; } | { sleep; cat; }`).
 * @returns what came through the pipe, the command's own exit code and its stderr
 */
export async function throughSlowPipe(cmd: string[], env: Record<string, string>, delayMs = 1000): Promise<{ stdout: Buffer, exitCode: number, stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'autonet-pipe-'))
  try {
    const rc = join(dir, 'rc')
    const script = '{ "$@"; echo $? > "$AUTONET_TEST_RC"; } | { sleep "$AUTONET_TEST_DELAY"; cat; }'
    const r = await execa('sh', ['-c', script, 'sh', ...cmd], {
      env: { ...env, AUTONET_TEST_RC: rc, AUTONET_TEST_DELAY: String(delayMs / 1000) },
      encoding: 'buffer', stripFinalNewline: false, reject: false, stdin: 'ignore', timeout: 60_000,
    })
    return { stdout: Buffer.from(r.stdout as Uint8Array), exitCode: Number(readFileSync(rc, 'utf8')), stderr: Buffer.from(r.stderr as Uint8Array).toString() }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
