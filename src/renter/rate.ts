/**
 * A token bucket shared by every shard stream of the node: `take(n)` resolves when n more bytes
 * may go out under `bytesPerSecond` (0: no limit). Bursts up to a quarter second of rate.
 */
export class RateLimiter {
  readonly #rate: number
  #available: number
  #last = performance.now()
  #queue: Promise<void> = Promise.resolve()

  constructor (bytesPerSecond: number) {
    this.#rate = bytesPerSecond
    this.#available = bytesPerSecond / 4
  }

  async take (bytes: number): Promise<void> {
    if (this.#rate <= 0) return
    const turn = this.#queue.then(async () => {
      const now = performance.now()
      this.#available = Math.min(this.#rate / 4, this.#available + (now - this.#last) * this.#rate / 1000)
      this.#last = now
      this.#available -= bytes
      if (this.#available < 0) await new Promise(resolve => setTimeout(resolve, -this.#available / this.#rate * 1000))
    })
    this.#queue = turn
    await turn
  }
}
