/** Waits (bounded) for `cond` to hold, polling every 5 ms; throws after `ms`. */
export async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}
