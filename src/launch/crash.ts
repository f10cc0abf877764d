/**
 * What a launcher does when the program itself throws (a bug of ours, never a machine fact):
 * the stack on stderr, then exit 70. Shared by both launchers: program.ts (the npm bin and the
 * bundle's program) and bundle-entry.ts (a program that fails to load).
 */

/** Exit code for our own crash: sysexits EX_SOFTWARE, the same as main's EXIT_INTERNAL. */
export const EXIT_CRASH = 70

/**
 * Report `err` as a crash of dockerd-autonet.
 * @param write where the line goes (default stderr)
 * @returns EXIT_CRASH, the code to exit with
 */
export function crashed(err: unknown, write: (text: string) => void = (t) => { process.stderr.write(t) }): number {
  write(`dockerd-autonet: error: ${err instanceof Error ? err.stack : String(err)}\n`)
  return EXIT_CRASH
}
