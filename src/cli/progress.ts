/** A one-line progress bar on a TTY stream: bytes, MB/s and (when the total is known) ETA. */
export class ProgressBar {
  readonly #out: NodeJS.WriteStream
  readonly #total: number | undefined
  readonly #started = Date.now()
  #last = 0

  constructor (out: NodeJS.WriteStream, total?: number) {
    this.#out = out
    this.#total = total
  }

  /** Redraws at most ten times a second. */
  update (bytes: number, force = false): void {
    const now = Date.now()
    if (!force && now - this.#last < 100) return
    this.#last = now
    const seconds = Math.max((now - this.#started) / 1000, 0.001)
    const rate = bytes / seconds
    let line = `${formatBytes(bytes)}`
    if (this.#total !== undefined && this.#total > 0) {
      const share = Math.min(bytes / this.#total, 1)
      const width = 24
      const filled = Math.round(share * width)
      const eta = rate > 0 ? Math.max(0, (this.#total - bytes) / rate) : 0
      line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${formatBytes(bytes)} / ${formatBytes(this.#total)} ${(share * 100).toFixed(1)}% ETA ${formatSeconds(eta)}`
    }
    line += ` ${(rate / 1e6).toFixed(1)} MB/s`
    this.#out.write(`\r${line}\x1b[K`)
  }

  /** Draws the final state and moves to the next line. */
  done (bytes: number): void {
    this.update(bytes, true)
    this.#out.write('\n')
  }
}

/** `1.5 GiB`-style sizes. */
export function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++ }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit] as string}`
}

function formatSeconds (s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`
  const m = Math.floor(s / 60)
  return m < 60 ? `${m}m${Math.ceil(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`
}
