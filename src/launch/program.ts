/**
 * The program as both launchers run it: the npm bin (bin/dockerd-autonet.js, over the tsc
 * build) and the one-file bundle, whose entry (bundle-entry.ts) loads this module's bundled
 * CommonJS build through the V8 code cache. One command line in, the exit code out; the
 * launcher exits with it (and the bundle saves its code cache first).
 */
import { main } from '../cli/main.js'
import type { Env } from '../cli/options.js'
import { crashed } from './crash.js'

/**
 * Run dockerd-autonet for one command line.
 * @param argv arguments without node and script (`process.argv.slice(2)`)
 * @param env the environment
 * @returns the code to exit with; a throw of ours is reported on stderr and gives EXIT_CRASH
 *   (70). In run mode with execve it does not return at all (main).
 */
export async function run(argv: readonly string[], env: Env): Promise<number> {
  try {
    return await main(argv, env)
  } catch (err) {
    return crashed(err)
  }
}
