/**
 * The flags the docker:dind images' entrypoint gives dockerd before the words it was given, so
 * that what dockerd refuses is judged on the argv it really gets (start-decision.ts refusedStart).
 *
 * Source: docker-library/docker dockerd-entrypoint.sh (one file for docker:dind and
 * docker:dind-rootless), read at 3289af8 (2026-08, the 29.x images), lines 102-141; the same
 * since 6b3d48a (2023-02). With no arguments, or a flag first, it starts dockerd as
 * `dockerd --host=$dockerSocket --host=tcp://0.0.0.0:2376 --tlsverify --tlscacert $D/server/ca.pem
 * --tlscert $D/server/cert.pem --tlskey $D/server/key.pem "$@"` when DOCKER_TLS_CERTDIR (D) is not
 * empty, else `dockerd --host=$dockerSocket --host=tcp://0.0.0.0:2375 "$@"`, whatever "$@" holds:
 * a --host or --tlsverify of the user's does not stop it. dockerSocket is
 * unix:///var/run/docker.sock for uid 0, else unix://${XDG_RUNTIME_DIR:-/run/user/$uid}/docker.sock
 * (rootless), and DOCKER_HOST instead when it starts with unix://. With `dockerd` first it adds
 * nothing (lines 143-232 only wrap it in docker-init, and rootless in rootlesskit, whose own `-p`
 * flags are rootlesskit's, not dockerd's); any other first word is not dockerd (lines 233-236).
 *
 * Where this may differ from the script that runs, it errs towards more flags, so a clash is
 * never missed: images built before 38e13c8 (2023-02) added the TLS flags only when their
 * certificates were made, and a script whose certificates cannot be made exits before dockerd
 * (`set -eu`). The rootless branch gives dockerd the same flags; only the socket's path differs,
 * and no decision depends on it (a snapshot does not record XDG_RUNTIME_DIR). Neither the script
 * nor the test stand-in (test/image/fixtures/dockerd-entrypoint.sh, same argv) ever adds a
 * `--tls=false`.
 *
 * Pure; imports nothing (the start-up path).
 */

/**
 * The words ahead of dockerd's in the exec through which the entrypoint starts it: `docker-init
 * -- dockerd` (lines 143-232). Counted with entrypointFlags where the size of that exec matters
 * (cli/exec-check.ts); rootlesskit's own words under dind-rootless are not.
 */
export const ENTRYPOINT_EXEC_WORDS: readonly string[] = ['docker-init', '--', 'dockerd']

/** The entrypoint's file name, as the start path recognises it (invocation.ts startTarget). */
export const DIND_ENTRYPOINT = 'dockerd-entrypoint.sh'

/**
 * The flags dockerd gets ahead of the words given to `program`, in the script's order.
 * @param program the program started (`dockerd-entrypoint.sh`, a path to it, `dockerd`…); null means dockerd
 * @param lead    words the program gets before dockerd's argv (`['dockerd']`: the entrypoint adds nothing)
 * @param env     the environment the program starts with (only DOCKER_HOST, DOCKER_TLS_CERTDIR and XDG_RUNTIME_DIR are read)
 * @param euid    the uid it runs as; null or undefined counts as root
 * @returns [] for any program but the entrypoint, and for the entrypoint told `dockerd` first
 */
export function entrypointFlags(program: string | null, lead: readonly string[], env: Readonly<Record<string, string | undefined>>, euid: number | null | undefined): string[] {
  if (program === null || program.slice(program.lastIndexOf('/') + 1) !== DIND_ENTRYPOINT || lead.length > 0) return []
  const uid = euid ?? 0
  const own = uid === 0 ? 'unix:///var/run/docker.sock' : `unix://${env.XDG_RUNTIME_DIR || `/run/user/${uid}`}/docker.sock`
  const socket = env.DOCKER_HOST?.startsWith('unix://') ? env.DOCKER_HOST : own
  const certs = env.DOCKER_TLS_CERTDIR
  if (!certs) return [`--host=${socket}`, '--host=tcp://0.0.0.0:2375']
  return [`--host=${socket}`, '--host=tcp://0.0.0.0:2376', '--tlsverify',
    '--tlscacert', `${certs}/server/ca.pem`, '--tlscert', `${certs}/server/cert.pem`, '--tlskey', `${certs}/server/key.pem`]
}
