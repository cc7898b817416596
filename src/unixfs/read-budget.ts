/**
 * Bytes that every file reader of a node together may read ahead of what their consumers asked
 * for. A reader's next window (what its consumer waits for now) never needs the budget, so a
 * reader always makes progress; windows beyond it are read only while the budget has room.
 *
 * Why: with 4 windows of 1 MiB ahead per reader, 20 clients downloading 4 MiB files put 80 MiB
 * of reads into libuv's 4-thread pool at once, and every small request (one index lookup, one
 * read on the same pool) queued behind them: under bench:load 64 KiB requests got 3× slower than
 * a plain server's while the big ones got faster. A shared budget keeps read-ahead for one or a
 * few streams (where it pays) and lets it fade as readers multiply, which also bounds the memory
 * held by read-ahead.
 */
export class ReadBudget {
  readonly #capacity: number
  #used = 0
  #peak = 0

  constructor (bytes: number) {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`a read budget must be a non-negative integer of bytes, got ${bytes}`)
    this.#capacity = bytes
  }

  /** Takes `bytes` if they fit now; never waits. */
  tryTake (bytes: number): boolean {
    if (this.#used + bytes > this.#capacity) return false
    this.#used += bytes
    this.#peak = Math.max(this.#peak, this.#used)
    return true
  }

  /** Gives back what `tryTake` took. */
  give (bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes)
  }

  /** Bytes taken now and at most. */
  stats (): { capacityBytes: number, usedBytes: number, peakBytes: number } {
    return { capacityBytes: this.#capacity, usedBytes: this.#used, peakBytes: this.#peak }
  }
}
