/** A bad command line or bad input: the message names what is at fault; exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2
}

/**
 * yargs' parse error `message` for a parse of `args`, in the words the user typed: yargs names an
 * unknown option without its dashes ("Unknown argument: bogus" for `--bogus`, "Unknown
 * arguments: a, b"), which reads as a stray word; each is named as given. Any other message is
 * returned as it is.
 */
export function yargsMessage(message: string, args: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message)
  if (!unknown) return message
  // yargs also calls a stray word (a positional) an unknown argument: that one stays one.
  return unknown[1].split(', ').map((n) => {
    const word = args.find((a) => a.startsWith('-') && a.replace(/^-+/, '').split('=')[0] === n)
    return word === undefined ? `unexpected argument ${n}` : `unknown option ${word.split('=')[0]}`
  }).join('; ')
}
