/**
 * A tiny container image made from the host's static busybox, imported with `docker import`,
 * so e2e tests never need a registry (and never send traffic out of their namespaces).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execa } from 'execa'
import { runOk } from './exec.js'

export const BUSYBOX_IMAGE = 'autonet-busybox:latest'
export const HOST_BUSYBOX = '/usr/bin/busybox'

/** Anything that can run the docker client against one daemon (a {@link Dockerd}). */
export interface DockerClient {
  docker(args: string[], opts?: { input?: string | Uint8Array; timeoutMs?: number }): Promise<{ stdout: string; stderr: string; exitCode: number }>
}

const tarballs = new Map<string, Promise<Buffer>>()

/**
 * Tarball of a root filesystem with /bin/busybox and a relative symlink per applet
 * (sh, ip, wget, nc, cat, sleep, ifconfig, httpd, ...). Built once per process.
 */
export function busyboxRootfsTar(busybox: string = HOST_BUSYBOX): Promise<Buffer> {
  let p = tarballs.get(busybox)
  if (!p) {
    p = buildTar(busybox)
    tarballs.set(busybox, p)
    p.catch(() => tarballs.delete(busybox))
  }
  return p
}

async function buildTar(busybox: string): Promise<Buffer> {
  const applets = (await runOk([busybox, '--list'])).split('\n').map((s) => s.trim())
    .filter((a) => a && a !== 'busybox' && !a.includes('/'))
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dan-rootfs-'))
  try {
    for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'root', 'var', 'usr']) fs.mkdirSync(path.join(root, d))
    fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 })
    fs.chmodSync(path.join(root, 'tmp'), 0o1777)
    fs.copyFileSync(busybox, path.join(root, 'bin/busybox'))
    fs.chmodSync(path.join(root, 'bin/busybox'), 0o755)
    for (const a of applets) fs.symlinkSync('busybox', path.join(root, 'bin', a))
    // The usual locations, so absolute paths like /sbin/ip or /usr/bin/wget in tests work too.
    fs.symlinkSync('bin', path.join(root, 'sbin'))
    fs.symlinkSync('../bin', path.join(root, 'usr/bin'))
    fs.symlinkSync('../bin', path.join(root, 'usr/sbin'))
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n')
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n')
    const r = await execa('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], {
      encoding: 'buffer', timeout: 30_000, stripFinalNewline: false,
    })
    return Buffer.from(r.stdout)
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

/**
 * Makes sure the daemon has the busybox image (imports it unless already present in its
 * data-root) and returns its tag.
 */
export async function ensureBusyboxImage(d: DockerClient, opts: { tag?: string; busybox?: string } = {}): Promise<string> {
  const tag = opts.tag ?? BUSYBOX_IMAGE
  if ((await d.docker(['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 15_000 })).exitCode === 0) return tag
  const tar = await busyboxRootfsTar(opts.busybox)
  const r = await d.docker(['import', '--change', 'CMD ["/bin/sh"]', '-', tag], { input: tar, timeoutMs: 60_000 })
  if (r.exitCode !== 0) throw new Error(`docker import ${tag} failed: ${r.stderr || r.stdout}`)
  return tag
}
