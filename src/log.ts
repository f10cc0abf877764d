/**
 * The wrapper's log: one line per event on stderr, prefixed `dockerd-autonet:` so it reads apart
 * from dockerd's own output in a CI job log. Side effect at the edge; the planner never logs.
 */
export type LogLevel = 'info' | 'warn' | 'error' | 'debug'

export interface Logger {
  info(msg: string): void
  warn(msg: string): void
  error(msg: string): void
  debug(msg: string): void
}

export function createLogger(write: (line: string) => void = (l) => process.stderr.write(l), debug = false): Logger {
  const emit = (level: LogLevel, msg: string) => {
    const tag = level === 'info' ? '' : `${level}: `
    write(`dockerd-autonet: ${tag}${msg}\n`)
  }
  return {
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    debug: (m) => { if (debug) emit('debug', m) },
  }
}

/** A logger that keeps lines in memory, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return Object.assign(createLogger((l) => lines.push(l.trimEnd()), true), { lines })
}
