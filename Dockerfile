# docker:dind with dockerd-autonet in front of dockerd. Everything else is the official image's:
# its ENTRYPOINT (dockerd-entrypoint.sh) and CMD are inherited, so TLS certificates, the default
# --host flags, the `dind` helper, docker-init, the iptables-legacy switch and the "first
# argument is not a flag, run it instead" rule all behave exactly as documented upstream.
#
# Build (after `npm ci && npm run bundle`):   docker build -t dockerd-autonet .
#
# The -alpine3.24 suffix pins the Alpine release too, so the nodejs package below is the one
# checked for process.execve; bump the Docker version and the Alpine suffix together.
FROM docker:29.7.2-dind-alpine3.24

# nodejs: the wrapper's runtime; Alpine's package (not the node image's binary) because it
#   links the libraries the base already carries, and no npm: the bundle has no dependencies.
# iproute2-minimal: `ip -j` (busybox ip has no JSON output) for addresses and policy rules,
#   which decide the egress under wg-quick and similar setups.
# conntrack-tools: listing and deleting stale conntrack entries of old containers.
RUN set -eux; \
	apk add --no-cache nodejs iproute2-minimal conntrack-tools; \
	node -e 'if (typeof process.execve !== "function") { console.error(`node ${process.version} has no process.execve (22.15+): dockerd would run as a child of node`); process.exit(1) }'

# The bundle, its notices and the shim template; `install` puts the shim in place (below).
COPY dist/dockerd-autonet.mjs dist/dockerd-autonet.mjs.LICENSES.txt image/dockerd-shim.sh /usr/local/lib/dockerd-autonet/

# The engine version is known here, so the wrapper need not run `dockerd --version` at every
# start (about 25 ms of it); the build fails if this ever disagrees with the binary.
ENV DOCKERD_AUTONET_DOCKERD_VERSION=29.7.2

# --mode=path: a shim in /usr/local/sbin, which comes before /usr/local/bin in the base's PATH
# (and stays before it when the entrypoint prepends /usr/local/sbin/.iptables-legacy), so
# docker-init's PATH lookup of `dockerd` lands on it while /usr/local/bin/dockerd stays the
# untouched real binary. install links /usr/local/bin/dockerd-autonet to the bundle, checks
# `dockerd --version` through the shim, and names each change in the build log.
# First a dry run (it reads the machine and prints a plan, never applies or starts anything):
# it writes the V8 code cache beside the bundle (dockerd-autonet.mjs.v8cache), so that every
# start skips compiling the program. It must be made here, by the image's own Node: another
# Node's V8 rejects a cache from the build machine.
RUN set -eux; \
	node /usr/local/lib/dockerd-autonet/dockerd-autonet.mjs --autonet-dry-run > /dev/null 2>&1; \
	node /usr/local/lib/dockerd-autonet/dockerd-autonet.mjs install --mode=path; \
	dockerd-autonet --version; \
	test "$(command -v dockerd)" = /usr/local/sbin/dockerd; \
	/usr/local/bin/dockerd --version | grep -F "version $DOCKERD_AUTONET_DOCKERD_VERSION,"
