#!/bin/sh
# `dockerd` as the image's callers find it (the dind entrypoint by PATH, plugins/docker by
# absolute path): hand the call to dockerd-autonet, which plans the network flags and then
# execs the real dockerd in this process's place (Node >= 22.15: same PID, nothing of ours
# stays resident, signals from docker-init reach dockerd directly).
#
# `dockerd-autonet install` writes this file with `real=` naming the real dockerd.
#
# The real dockerd is passed by full path so that dockerd-autonet's `dockerd --version` probe
# and its final exec reach the binary itself, never this shim again. An image that has to put
# this shim at the binary's own path (plugins/docker execs /usr/local/bin/dockerd) moves the
# binary to $moved first; its basename stays `dockerd`, which is how dockerd-autonet knows
# that the first argument is dockerd and not a foreign command to run untouched.
set -eu

real=/usr/local/bin/dockerd
moved=/usr/local/libexec/dockerd-autonet/dockerd
wrapper=/usr/local/bin/dockerd-autonet

if [ -x "$moved" ]; then real=$moved; fi

# -ef is not POSIX, but busybox ash (the images' sh) and dash both have it.
# shellcheck disable=SC3013
if [ "$real" -ef "$0" ]; then
	# Calling ourselves would loop forever instead of failing: say what is wrong instead.
	echo "dockerd shim: $real is this shim; move the real dockerd to $moved" >&2
	exit 127
fi
if [ ! -x "$real" ]; then
	echo "dockerd shim: the real dockerd $real is missing or not executable (dockerd-autonet install put it there)" >&2
	exit 127
fi

# The loop guard (dockerd-autonet's src/cli/handover.ts handovers(), read the same way: unset,
# empty or zeros only is 0, leading zeros ignored, more than two digits past the limit, anything
# else 1): at 4, which only a loop reaches, nothing starts. Below it the call still goes to the
# wrapper, whose hand-over logic runs the real dockerd unplanned yet takes our --autonet-* words
# out (dockerd would refuse them, and a dry run must start nothing) and keeps a second daemon's
# bridge; the wrapper counts the hand-over.
set_to=${DOCKERD_WRAPPED_BY_AUTONET:-}
case $set_to in
	'') handovers=0 ;;
	*[!0-9]*) handovers=1 ;;
	*)
		handovers=${set_to#"${set_to%%[!0]*}"}
		case $handovers in
			'') handovers=0 ;;
			???*) handovers=999 ;;
		esac
		;;
esac
if [ "$handovers" -ge 4 ]; then
	echo "dockerd shim: DOCKERD_WRAPPED_BY_AUTONET=$set_to: dockerd-autonet has handed this dockerd on 4 times or more, which only a loop does; not starting $real" >&2
	exit 127
fi

# Node decodes its arguments as UTF-8 and replaces bytes that are not with U+FFFD: through
# dockerd-autonet, dockerd would get other bytes than the caller gave. Such an argument (rare:
# only those with a byte outside printable ASCII are checked, byte by byte) goes to the real
# dockerd untouched, without dockerd-autonet.
utf8() {
	printf '%s' "$1" | od -An -tu1 -v | awk '
		{
			for (i = 1; i <= NF; i++) {
				b = $i + 0
				if (need == 0) {
					if (b < 128) continue
					# RFC 3629: no overlong forms (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing past U+10FFFF.
					if (b >= 194 && b <= 223) { need = 1; lo = 128; hi = 191 }
					else if (b >= 224 && b <= 239) { need = 2; lo = (b == 224) ? 160 : 128; hi = (b == 237) ? 159 : 191 }
					else if (b >= 240 && b <= 244) { need = 3; lo = (b == 240) ? 144 : 128; hi = (b == 244) ? 143 : 191 }
					else { bad = 1; exit }
				} else {
					if (b < lo || b > hi) { bad = 1; exit }
					need--; lo = 128; hi = 191
				}
			}
		}
		END { exit (bad || need) ? 1 : 0 }'
}
for arg in "$@"; do
	case $arg in
		*[![:print:]]*)
			if ! utf8 "$arg"; then
				echo "dockerd shim: an argument is not valid UTF-8, which Node would rewrite; starting $real without dockerd-autonet, arguments untouched" >&2
				exec "$real" "$@"
			fi
			;;
	esac
done

if [ ! -x "$wrapper" ] || ! command -v node > /dev/null 2>&1; then
	# Same rule as dockerd-autonet's own: our trouble must never keep dockerd down.
	echo "dockerd shim: $wrapper or node is missing; starting $real without dockerd-autonet" >&2
	exec "$real" "$@"
fi

# Node reads NODE_OPTIONS before any code of ours runs: a --require of a missing file or an
# option Node refuses would end it, and dockerd would never start. The wrapper runs without
# it and hands the value, or its absence, back to dockerd (src/cli/handover.ts).
if [ "${NODE_OPTIONS+set}" = set ]; then
	DOCKERD_WRAPPED_NODE_OPTIONS=$NODE_OPTIONS
	export DOCKERD_WRAPPED_NODE_OPTIONS
	unset NODE_OPTIONS
else
	unset DOCKERD_WRAPPED_NODE_OPTIONS
fi
exec "$wrapper" "$real" "$@"
