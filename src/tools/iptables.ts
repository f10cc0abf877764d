/**
 * iptables(8), the one place its arguments are written: the MSS clamp rule (the classic one from
 * the iptables-extensions(8) TCPMSS section), tagged with a comment so it is recognisably ours.
 *
 * The rule must go into the same iptables flavour dockerd uses: dockerd runs the `iptables`
 * binary found on PATH, so do we (legacy or nft, whatever the alternatives point at); the
 * docker:dind entrypoint picks the flavour the same way before starting dockerd. `ip6tables`
 * takes the same arguments.
 */

/** The rule, without the -A/-C/-D verb. */
export const MSS_CLAMP_RULE = ['-t', 'mangle', 'FORWARD', '-p', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN', '-j', 'TCPMSS', '--clamp-mss-to-pmtu']

/** iptables arguments to append (-A), check (-C) or delete (-D) the MSS clamp rule. */
export function mssClampArgs(verb: '-A' | '-C' | '-D'): string[] {
  return [MSS_CLAMP_RULE[0], MSS_CLAMP_RULE[1], verb, ...MSS_CLAMP_RULE.slice(2), '-m', 'comment', '--comment', 'dockerd-autonet']
}
