/**
 * Which program a command name runs, decided once for the start path: the exec (exec-dockerd.ts),
 * the check before anything is applied (main's canRun) and whom the reader asks `--version`.
 * It is the home of "which dockerd is real" at start; install decides it for a tree
 * (plan-install.ts) on the same isShim.
 *
 * On the start-up path: node:fs and node:path only.
 */
import { accessSync, closeSync, constants as fsConstants, openSync, readSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { isShim, SHIM_HEAD_BYTES, shimTarget } from '../install/shim.js'

/** Exit codes of a shell: 127 command not found, 126 found but not executable. */
export const EXIT_NOT_FOUND = 127
export const EXIT_NOT_EXECUTABLE = 126

/** A program found on PATH, or the shell's exit code and message when it is not. */
export type Resolved = { path: string } | { code: number, message: string }

/** The script this process runs (the npm bin or the bundle, through any symlink), or null. */
export function ownScript(): string | null {
  return process.argv[1] ?? null
}

/**
 * Find `cmd` the way a shell does: a name with a `/` is used as is; a bare name is looked up in
 * each directory of `pathVar` (an empty entry means the current directory).
 *
 * This is where "which dockerd is real" is decided at start (install decides it for a tree in
 * plan-install.ts, on the same isShim): on PATH, a candidate that is dockerd-autonet itself
 * (the file `self` is, by a symlink or a hard link) is passed over, and one of our shims stands
 * for the dockerd it runs (shimTarget). With the wrapper installed as `dockerd` ahead of the
 * real one, running the first `dockerd` on PATH would start ourselves again, in a loop.
 *
 * @param pathVar the PATH to search; when unset, the usual system directories
 * @param self our own entry script (ownScript()); null: pass nothing over
 * @returns the path to run, or 127 (not found) / 126 (found but not an executable file) with a
 *   message naming the command and where we looked
 */
export function resolveCommand(cmd: string, pathVar: string | undefined, self: string | null = ownScript()): Resolved {
  const found = findCommand(cmd, pathVar, self)
  return 'path' in found ? interpreterProblem(found.path) ?? found : found
}

function findCommand(cmd: string, pathVar: string | undefined, self: string | null): Resolved {
  if (cmd === '') return { code: EXIT_NOT_FOUND, message: 'cannot run an empty command name' }
  if (cmd.includes('/')) {
    const why = notExecutable(cmd)
    if (why === 'missing') return { code: EXIT_NOT_FOUND, message: `${cmd}: no such file` }
    if (why) return { code: EXIT_NOT_EXECUTABLE, message: `${cmd}: ${why}` }
    return { path: cmd }
  }
  const dirs = (pathVar ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)
  let nonExecutable: string | null = null
  const ours: string[] = []
  const selfId = fileId(self)
  for (const dir of dirs) {
    const candidate = join(dir || '.', cmd)
    const why = notExecutable(candidate)
    if (why) {
      if (why !== 'missing') nonExecutable ??= candidate
      continue
    }
    const real = ownedBy(candidate, selfId)
    if (real === candidate) return { path: candidate }
    if (real !== null) return { path: real }
    ours.push(candidate)
  }
  const passed = ours.length ? `; passed over dockerd-autonet's own ${ours.join(', ')}` : ''
  if (nonExecutable) return { code: EXIT_NOT_EXECUTABLE, message: `${cmd}: ${nonExecutable} is not executable${passed}` }
  return { code: EXIT_NOT_FOUND, message: `${cmd}: command not found (PATH=${pathVar ?? ''})${passed}` }
}

/**
 * Why execve(2) would refuse the executable file `path` for want of its interpreter, or null: a
 * `#!` line naming one that is missing or not executable (fs/binfmt_script.c: the name runs to
 * the first space, tab or newline within BINPRM_BUF_SIZE, 256 bytes, so a CRLF line keeps its
 * "\r" and names no file; a shell says "bad interpreter", exit 126), or an ELF whose program
 * interpreter (PT_INTERP, the dynamic loader, fs/binfmt_elf.c) is missing, as for a glibc
 * binary on a musl image (ENOENT; a shell exits 127), or an ELF for another CPU (ENOEXEC: an
 * amd64 image on an arm64 node; 126). A `#!` interpreter that is a script is followed as the
 * kernel follows it. Anything else, or a file we cannot read or make out, is not judged (null):
 * the exec says what is wrong, as without us.
 */
export function interpreterProblem(path: string, depth = 0): { code: number, message: string } | null {
  const bytes = headBytes(path, ELF_HEAD_BYTES)
  if (bytes === null) return null
  if (bytes[0] === 0x23 && bytes[1] === 0x21) {
    const line = bytes.subarray(2, BINPRM_BUF_SIZE).toString('latin1').replace(/^[ \t]+/, '')
    const interp = /^[^ \t\n\0]*/.exec(line)![0]
    if (interp === '') return null
    const why = notExecutable(interp)
    if (why === null) {
      // An interpreter that is a script itself, as the kernel follows it (BINPRM_MAX_RECURSION, 4 levels).
      const inner = depth < BINPRM_MAX_RECURSION ? interpreterProblem(interp, depth + 1) : null
      return inner && { code: inner.code, message: `${path}: its #! interpreter cannot be run: ${inner.message}` }
    }
    const crlf = interp.endsWith('\r') ? ' (a #! line ending in \\r: CRLF line endings?)' : ''
    return { code: EXIT_NOT_EXECUTABLE, message: `${path}: bad interpreter ${JSON.stringify(interp)} in its #! line: ${why === 'missing' ? 'no such file' : why}${crlf}` }
  }
  const machine = elfMachine(bytes)
  if (machine !== null && !runsHere(machine)) {
    // The kernel answers ENOEXEC, and the exec falls back to /bin/sh reading the binary as a script.
    return { code: EXIT_NOT_EXECUTABLE, message: `${path}: an ELF for another CPU (e_machine ${machine}, this machine is ${process.arch}): exec format error` }
  }
  const loader = elfInterpreter(bytes)
  if (loader === null || notExecutable(loader) !== 'missing') return null
  return { code: EXIT_NOT_FOUND, message: `${path}: its ELF program interpreter ${loader} does not exist (a binary built for another C library or system?)` }
}

/** How many interpreters deep the kernel follows `#!` (fs/exec.c, BINPRM_MAX_RECURSION 4). */
const BINPRM_MAX_RECURSION = 4

/**
 * ELF e_machine values (elf.h: EM_386 3, EM_ARM 40, EM_X86_64 62, EM_AARCH64 183, EM_PPC64 21,
 * EM_S390 22, EM_RISCV 243) this machine's CPU runs, by Node's process.arch; the 32-bit sibling
 * of a 64-bit CPU counts (compat mode), and an arch not listed judges nothing.
 */
const RUNS_ON: Partial<Record<string, readonly number[]>> = {
  x64: [62, 3], ia32: [3], arm64: [183, 40], arm: [40], ppc64: [21], s390x: [22], riscv64: [243],
}

function runsHere(machine: number): boolean {
  const here = RUNS_ON[process.arch]
  return here === undefined || here.includes(machine)
}

/** The e_machine of the ELF whose first bytes are `b` (elf.h Elf32/Elf64_Ehdr, at byte 18), or null when it is no ELF. */
function elfMachine(b: Buffer): number | null {
  if (b.length < 20 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) return null
  return b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18)
}

/** The first bytes the kernel reads of a file to exec (BINPRM_BUF_SIZE, include/linux/binfmts.h). */
const BINPRM_BUF_SIZE = 256
/** How much of an ELF is read for its program headers and interpreter: where linkers put them, near the start. */
const ELF_HEAD_BYTES = 4096
/** ELF program header type of the interpreter's path (elf.h PT_INTERP). */
const PT_INTERP = 3

/**
 * The PT_INTERP path of the ELF whose first bytes are `b` (elf.h: Elf32/Elf64_Ehdr e_phoff,
 * e_phentsize, e_phnum; Elf32/Elf64_Phdr p_type, p_offset, p_filesz), or null: not an ELF, no
 * interpreter (a static binary), or headers past the bytes read.
 */
function elfInterpreter(b: Buffer): string | null {
  if (b.length < 52 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) return null
  const is64 = b[4] === 2
  const le = b[5] !== 2
  const u16 = (o: number) => le ? b.readUInt16LE(o) : b.readUInt16BE(o)
  const u32 = (o: number) => le ? b.readUInt32LE(o) : b.readUInt32BE(o)
  const word = (o: number) => is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(o)
  if (is64 && b.length < 64) return null
  const phoff = word(is64 ? 0x20 : 0x1c)
  const phentsize = u16(is64 ? 0x36 : 0x2a)
  const phnum = u16(is64 ? 0x38 : 0x2c)
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize
    if (at + (is64 ? 0x28 : 0x18) > b.length) return null
    if (u32(at) !== PT_INTERP) continue
    const offset = word(at + (is64 ? 0x08 : 0x04))
    const size = word(at + (is64 ? 0x20 : 0x10))
    if (offset + size > b.length || size === 0) return null
    return b.subarray(offset, offset + size).toString('latin1').replace(/\0+$/, '')
  }
  return null
}

/** The first `n` bytes of the file at `path` (fewer when it is shorter), or null when it cannot be read. */
function headBytes(path: string, n: number): Buffer | null {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return null
  }
  try {
    const buf = Buffer.alloc(n)
    return buf.subarray(0, readSync(fd, buf, 0, n, 0))
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}

/** Device and inode of `path` (symlinks followed), or null. */
function fileId(path: string | null): string | null {
  if (path === null) return null
  try {
    const st = statSync(path)
    return `${st.dev}:${st.ino}`
  } catch {
    return null
  }
}

/**
 * What running the executable `candidate` comes to: itself when it is none of ours; the real
 * dockerd one of our shims runs, when that is executable and not ours again; null when it is
 * dockerd-autonet itself (`selfId`) or a shim with nothing runnable behind it.
 */
function ownedBy(candidate: string, selfId: string | null): string | null {
  if (selfId !== null && fileId(candidate) === selfId) return null
  const text = head(candidate)
  if (text === null || !isShim(text)) return candidate
  const target = shimTarget(text, (p) => notExecutable(p) === null)
  if (target === null || notExecutable(target) !== null || fileId(target) === selfId || fileId(target) === fileId(candidate)) return null
  const behind = head(target)
  return behind !== null && isShim(behind) ? null : target
}

/** The start of the file at `path` as text (at most SHIM_HEAD_BYTES), or null when it cannot be read. */
function head(path: string): string | null {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return null
  }
  try {
    const buf = Buffer.alloc(SHIM_HEAD_BYTES)
    const n = readSync(fd, buf, 0, buf.length, 0)
    return buf.subarray(0, n).toString('latin1')
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}

/** Null when `path` is an executable file, else 'missing' or why not. */
function notExecutable(path: string): string | null {
  let isFile: boolean
  try {
    isFile = statSync(path).isFile()
  } catch {
    return 'missing'
  }
  if (!isFile) return 'not a regular file'
  try {
    accessSync(path, fsConstants.X_OK)
    return null
  } catch {
    return 'permission denied (not executable)'
  }
}
