/**
 * The dockerd shim as install writes it: image/dockerd-shim.sh with its `real=` line naming
 * the dockerd it stands in front of. Pure text functions; reading the template is the
 * caller's job.
 */

/** The line that makes a file one of our shims, whatever dockerd it names. */
const SHIM_MARK = 'exec "$wrapper" "$real" "$@"'
const ASSIGNMENT = /^(real|moved|wrapper)=(\S+)$/gm

/** A shim template or an installed shim is not what we expect; the message names the file. */
export class ShimError extends Error {}

/**
 * The shim that hands `dockerd …` calls to dockerd-autonet for the real binary at `real`.
 *
 * @param template image/dockerd-shim.sh's text
 * @param real     absolute image path of the real dockerd (where it stays, or where it moves)
 * @param source   the template's file name, for the error
 * @throws ShimError when the template has no `real=…` line or is not our shim
 */
export function shimFor(template: string, real: string, source: string): string {
  if (!isShim(template)) throw new ShimError(`${source} is not the dockerd-autonet shim (no line ${SHIM_MARK})`)
  if (!/^real=\S+$/m.test(template)) throw new ShimError(`${source} has no real=PATH line to name the real dockerd in`)
  if (!real.startsWith('/') || /\s/.test(real)) throw new ShimError(`the real dockerd's path must be absolute without spaces: ${real}`)
  return template.replace(/^real=\S+$/m, `real=${real}`)
}

/**
 * How much of a file's start tells whether it is one of our shims: all of it, since the mark is
 * near the end. image/dockerd-shim.sh is about 11 KiB; test/install/plan-install.test.ts checks
 * that it fits.
 */
export const SHIM_HEAD_BYTES = 64 * 1024

/** Whether `text` (a file's first SHIM_HEAD_BYTES are enough) is one of our shims. */
export function isShim(text: string): boolean {
  return text.startsWith('#!/bin/sh\n') && text.includes(SHIM_MARK)
}

/** The dockerd a shim names (its `real=`), or null. */
export function shimReal(text: string): string | null {
  return /^real=(\S+)$/m.exec(text)?.[1] ?? null
}

/**
 * The dockerd a shim runs, decided as image/dockerd-shim.sh decides it: its `moved=` when that
 * is executable (replace mode moved the binary there), else its `real=`; null when it names none.
 * @param executable whether a path is an executable file (the caller's look at the machine)
 */
export function shimTarget(text: string, executable: (path: string) => boolean): string | null {
  const moved = /^moved=(\S+)$/m.exec(text)?.[1]
  return moved !== undefined && executable(moved) ? moved : shimReal(text)
}

/**
 * The shim with its paths (`real=`, `moved=`, `wrapper=`) moved under `root`, so that a shim
 * installed into a tree (`install --root DIR`) can be run on this machine: install's own check
 * and the tests run it this way. Root `/` returns the text unchanged.
 */
export function rebaseShim(text: string, root: string): string {
  if (root === '/' || root === '') return text
  const base = root.replace(/\/+$/, '')
  return text.replace(ASSIGNMENT, (_all, name: string, path: string) => `${name}=${base}${path}`)
}
