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

# Without the wrapper or node nothing is planned, yet the start-path contract still holds
# (src/cli/invocation.ts, README "contract"): a dry run starts nothing, a second daemon's bridge
# never becomes docker0 (the shim cannot make the bridge: exit 2), and our words are taken out
# (dockerd would refuse them). Read more plainly than the wrapper reads them: see ours_word,
# value_word and the loop below.

# The words a switch takes (src/cli/option-values.ts switchWord, SWITCH_WORDS_TEXT), lower case;
# chain.test.ts checks them too.
switch_true='1 t true yes on'
switch_false='0 f false no off'
# dockerd's shorthand letters (src/dockerd/flags.ts SHORTHANDS): of a boolean flag, and of one
# that takes a value; chain.test.ts checks them against flags.ts.
short_switch='D h r v'
short_valued='b e G g H l p s'

squash() {
	printf '%s' "$1" | tr '[:upper:]' '[:lower:]' | tr -d '_-'
}

# `true`, `false` or nothing: the switch word $1 is, trimmed, any case.
switch_word() {
	sw=$1
	sw=${sw#"${sw%%[![:space:]]*}"}
	sw=${sw%"${sw##*[![:space:]]}"}
	sw=$(printf '%s' "$sw" | tr '[:upper:]' '[:lower:]')
	for s in $switch_true; do if [ "$sw" = "$s" ]; then echo true; return 0; fi; done
	for s in $switch_false; do if [ "$sw" = "$s" ]; then echo false; return 0; fi; done
	return 0
}

# Succeeds when dockerd reads $1 as shorthand flags of its own (src/dockerd/flags.ts
# unknownFlag, after pflag parseSingleShortArg): `-`, boolean shorthands, and the first that
# takes a value (or `=` after a boolean) takes the rest of the word: `-Hunix:///x`, `-Dlinfo`.
dockerd_shorthands() {
	case $1 in --* | -) return 1 ;; -*) ;; *) return 1 ;; esac
	sh_rest=${1#-}
	while [ -n "$sh_rest" ]; do
		sh_c=${sh_rest%"${sh_rest#?}"}
		sh_rest=${sh_rest#?}
		case " $short_valued " in *" $sh_c "*) return 0 ;; esac
		case " $short_switch " in *" $sh_c "*) ;; *) return 1 ;; esac
		case $sh_rest in =*) return 0 ;; esac
	done
	return 0
}

# Succeeds for a word of ours (src/cli/options.ts isOurs): --autonet-…, or a flag (`-`, or a
# typographic dash U+2010..U+2015, U+2212) whose name squashed has "autonet" in it, unless
# dockerd reads it as shorthands of its own (`-Hunix:///run/autonet.sock` is dockerd's).
ours_word() {
	case $1 in
		--autonet-*) return 0 ;;
		*[Aa]*[Uu]*[Tt]*[Oo]*[Nn]*[Ee]*[Tt]*) ;;
		*) return 1 ;;
	esac
	case $(squash "${1%%=*}") in *autonet*) ;; *) return 1 ;; esac
	case $1 in -*) if dockerd_shorthands "$1"; then return 1; fi; return 0 ;; esac
	case $(printf '%s' "$1" | od -An -tx1 -N3 | tr -d ' \n') in e2809[0-5] | e28892) return 0 ;; esac
	return 1
}

# Succeeds when $1 is the value of the word of ours before it, as src/cli/invocation.ts takeOurs
# reads it among dockerd's flags (the shim's words are always dockerd's, which takes no
# positional word, so any plain word there is our mistake's value), more plainly: never a word
# of ours, nor a flag (`-x`, `--x`: dockerd's, or a mistake dockerd refuses loudly) but `-` and
# a digit (no shorthand of dockerd's is a digit); any other word, whichever word of ours it follows.
value_word() {
	if ours_word "$1"; then return 1; fi
	case $1 in
		-[0-9]*) return 0 ;;
		-?*) return 1 ;;
	esac
	return 0
}

# What one of our options with its value (`-` for none) means here: a dry run, a bridge.
dry=
dry_flag=
bridge=
ours_option() {
	sq=$(squash "$1")
	case $sq in
		*dryrun* | *autonetdry*)
			if [ "$1" = --autonet-dry-run ]; then dry_flag=1; fi
			val=$2
			if [ "$val" = - ]; then val=true; fi
			if [ "$(switch_word "$val")" != false ]; then dry=1; fi
			;;
	esac
	case $sq in
		*bridgemac*) ;;
		*bridg*) bridge=$1 ;;
	esac
	return 0
}

# A value in the environment that is unset or blank counts as unset, as the wrapper reads it.
set_in_env() {
	case ${1:-} in
		*[![:space:]]*) return 0 ;;
	esac
	return 1
}

# What the variable $1 with the value $2 means here, if it is one of ours or a look-alike:
# sets env_bridge, env_dry (ours exactly) or env_dry_lookalike to its name.
env_variable() {
	# Every byte but a letter or digit out, and read_odd_env's \xNN escapes: a name no shell name
	# (DOCKERD_AUTONET_BRID.GE, a newline inside) reads as the option it spells.
	sq=$(printf '%s' "$1" | sed 's/\\x[0-9a-f][0-9a-f]//g' | tr '[:upper:]' '[:lower:]' | tr -cd 'a-z0-9')
	case $sq in dockerautonet* | dockerdautonet*) ;; *) return 0 ;; esac
	set_in_env "$2" || return 0
	case $sq in
		*bridgemac*) ;;
		*bridg*) env_bridge=$1 ;;
	esac
	case $sq in
		*dryrun*)
			if [ "$(switch_word "$2")" = false ]; then :
			elif [ "$1" = DOCKERD_AUTONET_DRY_RUN ]; then env_dry=$1
			else env_dry_lookalike=$1
			fi ;;
	esac
	return 0
}

# Words joined for a shell as src/cli/format-plan.ts quoteCommand joins them.
quote() {
	case $1 in
		'' | *[!A-Za-z0-9_@%+=:,./-]*) ;;
		*) printf '%s' "$1"; return 0 ;;
	esac
	rest=$1
	out=
	while :; do
		case $rest in
			*\'*) out="$out${rest%%\'*}'\\''"; rest=${rest#*\'} ;;
			*) break ;;
		esac
	done
	printf "'%s%s'" "$out" "$rest"
}

# Start the real dockerd without the wrapper, because of $1 (a reason), with the words after it.
# Only a shell keeps every byte of them: no Node in between.
start_plain() {
	why=$1
	shift
	# Our words out, the rest kept in order (appended behind the originals, which are shifted
	# off). A word of ours without `=` takes the next word as its value when value_word says
	# it is one. A look-alike is not matched to the option it is closest to (the wrapper's edit
	# distance): only "dryrun"/"dry…" and "bridg" in its name count.
	n=$#
	pending=
	taken=0
	for arg in "$@"; do
		if [ -n "$pending" ]; then
			p=$pending
			pending=
			if value_word "$arg"; then
				ours_option "$p" "$arg"
				taken=$((taken + 1))
				continue
			fi
			ours_option "$p" -
		fi
		if ours_word "$arg"; then
			taken=$((taken + 1))
			case $arg in
				*=*) ours_option "${arg%%=*}" "${arg#*=}" ;;
				*) pending=$arg ;;
			esac
			continue
		fi
		set -- "$@" "$arg"
	done
	if [ -n "$pending" ]; then ours_option "$pending" -; fi
	shift "$n"
	# Our variables and their look-alikes (src/cli/options.ts LOOKALIKE_VARIABLE: DOCKER_AUTO_NET_…,
	# any case, `_` ignored; a blank value is unset): as for a word, only "dryrun" and "bridge" in
	# the name count ("bridg", as for a word). Shell names are taken from `env` and read by eval;
	# the others this shell cannot hold come from odd_env (read_odd_env).
	env_bridge=
	env_dry=
	env_dry_lookalike=
	for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do
		eval "value=\${$name-}"
		env_variable "$name" "$value"
	done
	rest=$odd_env
	while [ -n "$rest" ]; do
		line=${rest%%"$nl"*}
		rest=${rest#"$line"}
		rest=${rest#"$nl"}
		env_variable "${line%% *}" "${line#* }"
	done
	if [ -n "$bridge" ] || [ -n "$env_bridge" ]; then
		echo "dockerd shim: $why, and ${bridge:-$env_bridge} asks for a second daemon's bridge, which only dockerd-autonet makes; not starting $real: without its own bridge a second daemon would share docker0 with the first" >&2
		exit 2
	fi
	# A flag beats the environment, as in the wrapper; a dry-run look-alike does not, and no
	# flag undoes it (src/cli/options.ts readOptionsLenient).
	if [ -n "$env_dry_lookalike" ] || { [ -z "$dry_flag" ] && [ -n "$env_dry" ]; }; then dry=1; fi
	if [ -n "$dry" ]; then
		command=
		for w in "$real" "$@"; do command="$command${command:+ }$(quote "$w")"; done
		# As src/cli/format-plan.ts formatAside prints a start that steps aside.
		printf 'aside:    %s (dockerd shim)\nadds:     nothing\nactions:  none\ncommand:  %s\n' "$why" "$command"
		exit 0
	fi
	if [ "$taken" -gt 0 ]; then
		echo "dockerd shim: $why; starting $real without dockerd-autonet, $taken word(s) of ours taken out" >&2
	else
		echo "dockerd shim: $why; starting $real without dockerd-autonet" >&2
	fi
	exec "$real" "$@"
}

# A variable whose name is no shell name ([A-Za-z_][A-Za-z0-9_]*: `DOCKERD_AUTONET_DRY-RUN=1`,
# which `docker run -e` and Kubernetes accept) is dropped by dash and busybox ash when they exec:
# dockerd-autonet would never see it. When one is a look-alike of ours (src/cli/options.ts
# LOOKALIKE_VARIABLE, spelt out below) and not blank, the start is the shim's plain one, whose
# env scan reads it from odd_env, and the reason names it: a dry run starts nothing, a bridge
# exits 2, any other steps aside as the wrapper does for a look-alike. Only this process's initial
# environment still has it: /proc/$$/environ, NUL-separated. On the way to the wrapper one tr
# reads it (busybox grep stops at a NUL and has no -z): a line that looks like such a name makes
# read_odd_env read it exactly, since a value may hold a newline and look like one too.
# Unreadable (no /proc): nothing is found, as before.
nl='
'
odd_env=
odd_names=
# Succeeds when $1, the rest of a name after "DOCKER" (any case), makes it a look-alike of ours:
# DOCKER[-_]*D?[-_]*AUTO[-_]*NET.
lookalike_rest() {
	lr=$1
	lr=${lr#"${lr%%[!_-]*}"}
	lr=${lr#[Dd]}
	lr=${lr#"${lr%%[!_-]*}"}
	case $lr in [Aa][Uu][Tt][Oo]*) lr=${lr#????} ;; *) return 1 ;; esac
	lr=${lr#"${lr%%[!_-]*}"}
	case $lr in [Nn][Ee][Tt]*) return 0 ;; esac
	return 1
}
# Lines of `NAME VALUE` for each such variable: NAME with a byte outside `!`..`~` or a `\` as
# `\xNN`, VALUE trimmed as set_in_env and switch_word trim it, whitespace inside it a space, and
# `?` for one with a byte outside ASCII (no switch word has one: it is not clearly false).
read_odd_env() {
	od -An -v -tu1 "/proc/$$/environ" | awk '
		function done_entry() {
			sub(/^ +/, "", val)
			sub(/ +$/, "", val)
			if (ours && (bad || val != "")) print name " " (bad ? "?" : val)
			name = ""; val = ""; inval = 0; ours = 0; odd = 0; bad = 0; n = 0
		}
		{
			for (i = 1; i <= NF; i++) {
				b = $i + 0
				if (b == 0) { done_entry(); continue }
				if (inval) {
					if (!ours) continue
					if (b >= 9 && b <= 13) val = val " "
					else if (b >= 32 && b <= 126) val = val sprintf("%c", b)
					else bad = 1
					continue
				}
				if (b == 61) { inval = 1; ours = odd && tolower(name) ~ /^docker[-_]*d?[-_]*auto[-_]*net/; continue }
				n++
				# [A-Za-z_], and after the first byte [0-9] too.
				if (!((b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || (n > 1 && b >= 48 && b <= 57))) odd = 1
				name = name ((b >= 33 && b <= 126 && b != 92) ? sprintf("%c", b) : sprintf("\\x%02x", b))
			}
		}
		END { done_entry() }'
}
if environ=$(tr '\0' '\n' 2> /dev/null < "/proc/$$/environ"); then
	rest=$nl$environ
	while :; do
		case $rest in *"$nl"[Dd][Oo][Cc][Kk][Ee][Rr]*) ;; *) break ;; esac
		rest=${rest#*"$nl"[Dd][Oo][Cc][Kk][Ee][Rr]}
		name=${rest%%[="$nl"]*}
		# A shell name followed by `=` is no odd one; one ended by a newline may be a name with a
		# newline in it (or a value's line: read_odd_env tells).
		case ${rest#"$name"} in =*) case $name in *[!A-Za-z0-9_]*) ;; *) continue ;; esac ;; esac
		if lookalike_rest "$name"; then
			odd_env=$(read_odd_env 2> /dev/null) || odd_env=
			break
		fi
	done
	environ=
	rest=$odd_env
	while [ -n "$rest" ]; do
		line=${rest%%"$nl"*}
		rest=${rest#"$line"}
		rest=${rest#"$nl"}
		odd_names="$odd_names${odd_names:+, }${line%% *}"
	done
fi

if [ ! -x "$wrapper" ] || ! command -v node > /dev/null 2>&1; then
	# Same rule as dockerd-autonet's own: our trouble must never keep dockerd down.
	start_plain "$wrapper or node is missing" "$@"
fi
if [ -n "$odd_names" ]; then
	start_plain "$odd_names: not a shell name, so sh cannot hand it to dockerd-autonet" "$@"
fi

# Node decodes its arguments as UTF-8 and replaces bytes that are not with U+FFFD: through
# dockerd-autonet alone, dockerd would get other bytes than the caller gave. So the wrapper gets
# them beside its argv in DOCKERD_WRAPPED_RAW_ARGV (src/cli/handover.ts, raw-argv.ts): a token
# per argument of its own, `-` for one that is UTF-8, `x` and the bytes in hex for one that is
# not (only arguments with a byte outside printable ASCII are checked, byte by byte), and its
# final exec puts those bytes back.
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
raw_argv=
raw_count=0
for arg in "$real" "$@"; do
	token=-
	case $arg in
		*[![:print:]]*)
			if ! utf8 "$arg"; then
				token=x$(printf '%s' "$arg" | od -An -tx1 -v | tr -d ' \n')
				raw_count=$((raw_count + 1))
			fi
			;;
	esac
	raw_argv="$raw_argv${raw_argv:+ }$token"
done
unset DOCKERD_WRAPPED_RAW_ARGV
if [ "$raw_count" -gt 0 ]; then
	# The variable is one environment string: with its name, `=` and NUL at most 131072 bytes
	# (Linux MAX_ARG_STRLEN, include/uapi/linux/binfmts.h), so its value at most 131046 (src/cli/
	# raw-argv.ts RAW_ARGV_MAX; 2 hex digits a byte). Past that the exec would fail: dockerd
	# starts the plain way, every byte kept. Below it the wrapper puts the bytes back within the
	# kernel's limits, or, when the environment leaves no room for that, says so before it
	# changes anything (src/cli/exec-limits.ts).
	if [ "${#raw_argv}" -gt 131046 ]; then
		start_plain "an argument that is not valid UTF-8 is too long to hand to dockerd-autonet with its bytes" "$@"
	fi
	DOCKERD_WRAPPED_RAW_ARGV=$raw_argv
	export DOCKERD_WRAPPED_RAW_ARGV
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
