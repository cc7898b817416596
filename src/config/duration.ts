/**
 * Bounded duration strings (`500ms`, `30s`, `10m`, `1h`, `1d`) for the config and the API. Node's
 * timers take at most 2^31 − 1 ms: a larger delay is silently replaced by 1 ms, so a duration
 * that feeds a timer (an interval, a timeout) must stay below it, or a typo such as `30000d`
 * becomes a busy loop. Durations that are only compared with clocks must stay exact numbers
 * (safe integers of ms).
 */
import Type from 'typebox'
import Format from 'typebox/format'

/** The largest delay a Node timer honours, in ms (about 24.8 days). */
export const maxTimerMs = 2 ** 31 - 1

/** The largest whole number of seconds that, times 1000, still fits a timer (2 147 483 s). */
export const maxTimerSeconds = Math.floor(maxTimerMs / 1000)

const units = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

const syntax = /^([0-9]{1,16})(ms|s|m|h|d)$/

/** The duration in ms, or undefined when `text` is not `<digits><unit>` or not a safe integer of ms. */
export function durationMs (text: string): number | undefined {
  const match = syntax.exec(text)
  if (match === null) return undefined
  const ms = Number(match[1]) * units[match[2] as keyof typeof units]
  return Number.isSafeInteger(ms) ? ms : undefined
}

/** True for a duration a timer can wait for: 1 ms to 2^31 − 1 ms (0 would make a busy loop). */
export function isTimerDuration (text: string): boolean {
  const ms = durationMs(text)
  return ms !== undefined && ms >= 1 && ms <= maxTimerMs
}

/** As isTimerDuration, and 0 (`0s`), which keys that can be switched off take as "off". */
export function isTimerDurationOrOff (text: string): boolean {
  return durationMs(text) === 0 || isTimerDuration(text)
}

/** True for a duration whose ms are a safe integer. */
export function isDuration (text: string): boolean {
  return durationMs(text) !== undefined
}

/** Formats of this module by name (registered with TypeBox here, with Fastify's ajv in src/api/app.ts). */
export const durationFormats: Record<string, (value: string) => boolean> = {
  'timer-duration': isTimerDuration,
  'timer-duration-or-off': isTimerDurationOrOff,
  'clock-duration': isDuration
}

for (const [name, check] of Object.entries(durationFormats)) Format.Set(name, check)

/**
 * A duration that feeds a timer: 1 ms to 2^31 − 1 ms (`24d` is the largest whole number of days);
 * with `off`, `0s` is accepted too and means the key's feature is off.
 */
export const TimerDuration = (description: string, options: { off?: boolean } = {}): ReturnType<typeof Type.String> =>
  Type.String({
    pattern: '^[0-9]{1,16}(ms|s|m|h|d)$',
    format: options.off === true ? 'timer-duration-or-off' : 'timer-duration',
    maxLength: 18,
    description: `${description} (at most 24d: a timer cannot wait longer)`
  })

/** A duration only compared with clocks: any safe integer of ms. */
export const ClockDuration = (description: string): ReturnType<typeof Type.String> =>
  Type.String({ pattern: '^[0-9]{1,16}(ms|s|m|h|d)$', format: 'clock-duration', maxLength: 18, description })
