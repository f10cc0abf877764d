/**
 * The two address families, as data: one code path serves IPv4 and IPv6 (flannel writes every
 * query twice; we take the family as a parameter instead).
 */

export type Family = 4 | 6

/** Address width in bits of each family. */
export const ADDRESS_BITS: Record<Family, number> = { 4: 32, 6: 128 }

/** Both families, IPv4 first (the order reasons and egress choices use). */
export const FAMILIES: readonly Family[] = [4, 6]
