/**
 * Where `dockerd-autonet install` puts things in an image (or on a host), written once: the
 * Dockerfiles, image/dockerd-shim.sh and the tests all agree with these paths
 * (test/image/dockerfile.test.ts checks the shim and the Dockerfiles against them).
 */

/** The one-file bundle the images ship, and the directory that holds it with the shim and the notices. */
export const BUNDLE_DIR = '/usr/local/lib/dockerd-autonet'
export const BUNDLE = `${BUNDLE_DIR}/dockerd-autonet.mjs`
/** The shim's source next to the bundle (the images COPY image/dockerd-shim.sh here). */
export const SHIM_SOURCE = `${BUNDLE_DIR}/dockerd-shim.sh`
/** The command the shim runs (a link to the bundle or the npm bin): image/dockerd-shim.sh's `wrapper=`. */
export const WRAPPER = '/usr/local/bin/dockerd-autonet'

/** Where the real dockerd goes when the shim takes its path: image/dockerd-shim.sh's `moved=`. */
export const LIBEXEC_DIR = '/usr/local/libexec/dockerd-autonet'
export const MOVED_DOCKERD = `${LIBEXEC_DIR}/dockerd`
/** What install did, for idempotence and for uninstall to undo exactly that. */
export const MANIFEST = `${LIBEXEC_DIR}/install.json`

/**
 * The PATH of the official docker images (Alpine's, set by docker:cli) and of Debian's
 * login shells; used when the image's own PATH cannot be seen (`--root`: ENV is not in a tree).
 */
export const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
