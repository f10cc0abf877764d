/** A bad command line or bad input: the message names what is at fault; exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2
}
