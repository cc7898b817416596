import { pino, type Logger, type LevelWithSilent } from 'pino'

export type { Logger }

/** Log levels accepted by `log.level` and env `BTFS_TS_LOG`. */
export const logLevels: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/**
 * Builds the root logger: structured JSON on stderr (stdout stays free for command output),
 * with authorization headers and anything named like a key or token redacted. Components take
 * a child: `logger.child({ component: 'blocks' })`.
 */
export function createLogger (level: LevelWithSilent = 'info'): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', '*.token', '*.privateKey', '*.passphrase', 'token', 'privateKey'],
      censor: '[redacted]'
    }
  }, pino.destination({ fd: 2, sync: false }))
}

/** A logger that discards everything: the default for in-process tests and library use. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
