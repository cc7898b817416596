/** How soon a read is needed: `first` reads start a request, `stream` reads continue one. */
export type ReadPriority = 'first' | 'stream'

/**
 * Limits the pack reads submitted to libuv's thread pool at once. `first` reads go before
 * `stream` reads, except that stream reads always get up to half of the places when they wait
 * (so big downloads slow down under load but never stall); each kind in arrival order.
 *
 * Why: the pool has 4 threads shared by every file read and every LevelDB lookup. Left alone,
 * a few big downloads queue dozens of 1 MiB reads there, and a small request, which needs one
 * index lookup and one read, waits behind all of them (under bench:load, 64 KiB requests ran at
 * a third of a plain server's rate). With at most `limit` reads in the pool, a lookup waits for
 * at most that many, and the read that starts a request goes before those that continue one —
 * short requests finish first, long ones still stream at disk or page-cache speed.
 */
export class ReadQueue {
  readonly #limit: number
  readonly #streamShare: number
  readonly #waiting: Record<ReadPriority, Array<() => void>> = { first: [], stream: [] }
  readonly #running: Record<ReadPriority, number> = { first: 0, stream: 0 }

  constructor (limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a read queue needs a limit of at least 1, got ${limit}`)
    this.#limit = limit
    this.#streamShare = Math.max(1, Math.floor(limit / 2))
  }

  /** Runs `read` once a place is free, in priority order (see the class). */
  async run<T> (priority: ReadPriority, read: () => Promise<T>): Promise<T> {
    if (this.#running.first + this.#running.stream >= this.#limit || this.#waiting[priority].length > 0) {
      await new Promise<void>(resolve => { this.#waiting[priority].push(resolve) })
    } else {
      this.#running[priority]++
    }
    try {
      return await read()
    } finally {
      this.#running[priority]--
      this.#next()
    }
  }

  /** Reads running and waiting. */
  stats (): { running: number, waiting: number } {
    return { running: this.#running.first + this.#running.stream, waiting: this.#waiting.first.length + this.#waiting.stream.length }
  }

  /**
   * Starts what may start: stream reads up to their share first (so a long transfer always
   * moves), then first reads, then stream reads in any place left.
   */
  #next (): void {
    while (this.#running.first + this.#running.stream < this.#limit) {
      const kind: ReadPriority | undefined =
        this.#waiting.stream.length > 0 && this.#running.stream < this.#streamShare
          ? 'stream'
          : this.#waiting.first.length > 0 ? 'first' : this.#waiting.stream.length > 0 ? 'stream' : undefined
      if (kind === undefined) return
      this.#running[kind]++
      ;(this.#waiting[kind].shift() as () => void)()
    }
  }
}
