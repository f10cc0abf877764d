/**
 * The loop guard: every dockerd we start gets DOCKERD_WRAPPED_BY_AUTONET in its environment,
 * counting the hand-overs by dockerd-autonet that led to it (image/dockerd-shim.sh reads the
 * same variable, and below the limit hands every call to the wrapper, which counts). A wrapper
 * started as dockerd with it set has nothing to plan (the first one did) and runs the real
 * dockerd with the user's words, ours taken out; at MAX_HANDOVERS neither runs anything, since
 * only a loop comes that far: a wrapper that found itself
 * again must never become an endless exec chain, or on Node without execve a chain of children.
 *
 * On the start-up path: imports nothing.
 */
import type { Env } from './options.js'

/** The variable's name (image/dockerd-shim.sh spells it too; test/image checks the shim). */
export const WRAPPED_VAR = 'DOCKERD_WRAPPED_BY_AUTONET'

/**
 * Where image/dockerd-shim.sh keeps the user's NODE_OPTIONS while it runs the wrapper without
 * them (Node would die of a bad one before any code of ours runs, and dockerd with it); set
 * means NODE_OPTIONS was set, to this value, even empty. Outside our DOCKERD_AUTONET_ options.
 */
export const SAVED_NODE_OPTIONS_VAR = 'DOCKERD_WRAPPED_NODE_OPTIONS'

/**
 * Where image/dockerd-shim.sh gives the wrapper the bytes of arguments that are not UTF-8, which
 * Node rewrites (raw-argv.ts reads it); ASCII only, outside our DOCKERD_AUTONET_ options.
 */
export const RAW_ARGV_VAR = 'DOCKERD_WRAPPED_RAW_ARGV'

/**
 * The most hand-overs a chain makes: the wrapper plans (1), the entrypoint's `dockerd` is our
 * shim, whose wrapper counts (2), a wrapper installed as `dockerd` passes it on (3); one to spare.
 */
export const MAX_HANDOVERS = 4

/**
 * Hand-overs before this process, from `env`: 0 when the variable is unset, empty or zeros only
 * (`0`, `000`); a decimal number is itself, leading zeros ignored (`0001` is 1), and one of more
 * than two digits counts as 999 (past the limit, never NaN); any other value, blank `" "`
 * included, counts as 1 (someone set it: we started this dockerd). image/dockerd-shim.sh reads
 * it the same way (test/image/chain.test.ts runs both on the same values).
 */
export function handovers(env: Env): number {
  const v = env[WRAPPED_VAR] ?? ''
  if (!/^\d*$/.test(v)) return 1
  const digits = v.replace(/^0+/, '')
  return digits.length > 2 ? 999 : Number(digits)
}

/**
 * `env` as the next program gets it: the user's own NODE_OPTIONS back as the shim found them
 * (set, empty or unset), the shim's RAW_ARGV_VAR gone (it was about our argv), and, for a
 * dockerd (`count` not null), the variable set to `count`, the hand-overs including ours.
 */
export function withHandovers(env: Env, count: number | null): Env {
  const out: Env = { ...env }
  const saved = env[SAVED_NODE_OPTIONS_VAR]
  if (saved !== undefined) {
    out.NODE_OPTIONS = saved
    delete out[SAVED_NODE_OPTIONS_VAR]
  }
  delete out[RAW_ARGV_VAR]
  if (count !== null) out[WRAPPED_VAR] = String(count)
  return out
}

/** `env` without its unset entries: the strings an exec passes on (execve takes no undefined). */
export function definedEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v
  return out
}
