/** A piece of an arena held by one user, until `SharedArena.release`. */
export interface ArenaLease {
  /** Byte offset of the piece in the arena. */
  readonly offset: number
  /** Bytes asked for (the piece may be rounded up to whole units). */
  readonly length: number
}

/** Sizing of an arena. */
export interface SharedArenaOptions {
  /** Total bytes: the most all leases together can hold. */
  bytes: number
  /** Allocation granularity; a lease takes whole, contiguous units. */
  unitBytes: number
}

/** What an arena holds now and at most since it was made. */
export interface ArenaStats {
  capacityBytes: number
  leasedBytes: number
  peakLeasedBytes: number
  leases: number
  /** Acquires waiting for room. */
  waiting: number
}

interface Held extends ArenaLease {
  readonly start: number
  readonly units: number
}

interface Waiter {
  units: number
  length: number
  resolve: (lease: Held) => void
  reject: (reason: unknown) => void
  signal?: AbortSignal
  onAbort?: () => void
}

/**
 * A fixed block of shared memory (one SharedArrayBuffer, made once) from which contiguous pieces
 * are leased and given back. It exists because a SharedArrayBuffer that was posted to a worker
 * thread is freed only once that worker's V8 heap has collected its handle, and a hash worker
 * allocates so little that its GC can go for thousands of adds without running: a buffer per add
 * was a leak (issue 11, finding 6). Reusing one arena makes the memory of every add together
 * bounded by construction.
 *
 * Pieces are found first-fit from the lowest offset, so a light load keeps reusing the same few
 * pages and only a heavy one ever touches (makes resident) the whole arena. When there is no
 * room, `acquire` waits in one FIFO queue (backpressure on whoever asked) and tells the
 * pressure listeners, so holders that can give memory back (an add's block writer that has
 * blocks queued) do so now. Leases are never taken by force.
 */
export class SharedArena {
  readonly buffer: SharedArrayBuffer
  /** The whole arena; a lease owns bytes[offset, offset + length). */
  readonly bytes: Uint8Array
  readonly #unit: number
  readonly #used: Uint8Array
  readonly #live = new Set<Held>()
  readonly #waiting: Waiter[] = []
  readonly #pressure = new Set<() => void>()
  #leasedUnits = 0
  #peakUnits = 0

  constructor (options: SharedArenaOptions) {
    if (!Number.isSafeInteger(options.unitBytes) || options.unitBytes < 1) throw new RangeError(`unitBytes must be a positive integer, got ${options.unitBytes}`)
    const units = Math.floor(options.bytes / options.unitBytes)
    if (units < 1) throw new RangeError(`an arena needs at least one unit of ${options.unitBytes} bytes, got ${options.bytes} bytes`)
    this.#unit = options.unitBytes
    this.#used = new Uint8Array(units)
    this.buffer = new SharedArrayBuffer(units * options.unitBytes)
    this.bytes = new Uint8Array(this.buffer)
  }

  /** Total bytes of the arena. */
  get capacity (): number {
    return this.bytes.length
  }

  /** What is held now and at most. */
  stats (): ArenaStats {
    return {
      capacityBytes: this.capacity,
      leasedBytes: this.#leasedUnits * this.#unit,
      peakLeasedBytes: this.#peakUnits * this.#unit,
      leases: this.#live.size,
      waiting: this.#waiting.length
    }
  }

  /**
   * A lease of `length` bytes now, or undefined when there is no room or others are already
   * waiting (a newcomer never overtakes the queue). Throws a RangeError above the capacity.
   */
  tryAcquire (length: number): ArenaLease | undefined {
    const units = this.#unitsFor(length)
    if (this.#waiting.length > 0) return undefined
    return this.#take(units, length)
  }

  /**
   * A lease of `length` bytes, waiting in FIFO order for room; rejects with the signal's reason
   * when it aborts first. Throws a RangeError above the capacity (that would wait forever).
   */
  async acquire (length: number, signal?: AbortSignal): Promise<ArenaLease> {
    const units = this.#unitsFor(length)
    signal?.throwIfAborted()
    const now = this.#waiting.length === 0 ? this.#take(units, length) : undefined
    if (now !== undefined) return now
    const leased = new Promise<Held>((resolve, reject) => {
      const waiter: Waiter = { units, length, resolve, reject }
      if (signal !== undefined) {
        waiter.signal = signal
        waiter.onAbort = () => {
          const i = this.#waiting.indexOf(waiter)
          if (i >= 0) this.#waiting.splice(i, 1)
          reject(signal.reason)
          // the head may have been what held back smaller requests behind it
          this.#serve()
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.#waiting.push(waiter)
    })
    for (const listener of [...this.#pressure]) listener()
    return await leased
  }

  /** Gives a lease back (a second release of the same lease is ignored). */
  release (lease: ArenaLease): void {
    const held = lease as Held
    if (!this.#live.delete(held)) return
    this.#used.fill(0, held.start, held.start + held.units)
    this.#leasedUnits -= held.units
    this.#serve()
  }

  /**
   * Registers `listener`, called whenever an acquire has to wait, so a holder can give back
   * what it does not strictly need. Returns the function that unregisters it.
   */
  onPressure (listener: () => void): () => void {
    this.#pressure.add(listener)
    return () => { this.#pressure.delete(listener) }
  }

  #unitsFor (length: number): number {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`a lease length must be a non-negative integer, got ${length}`)
    const units = Math.max(1, Math.ceil(length / this.#unit))
    if (units > this.#used.length) throw new RangeError(`${length} bytes do not fit in an arena of ${this.capacity} bytes`)
    return units
  }

  /** Serves the queue in order, as far as the head fits. */
  #serve (): void {
    for (;;) {
      const head = this.#waiting[0]
      if (head === undefined) return
      const lease = this.#take(head.units, head.length)
      if (lease === undefined) return
      this.#waiting.shift()
      if (head.onAbort !== undefined) head.signal?.removeEventListener('abort', head.onAbort)
      head.resolve(lease)
    }
  }

  /** First fit: the lowest run of `units` free units, marked used; undefined when none. */
  #take (units: number, length: number): Held | undefined {
    const used = this.#used
    let run = 0
    for (let i = 0; i < used.length; i++) {
      if (used[i] !== 0) { run = 0; continue }
      if (++run < units) continue
      const start = i - units + 1
      used.fill(1, start, i + 1)
      this.#leasedUnits += units
      this.#peakUnits = Math.max(this.#peakUnits, this.#leasedUnits)
      const held: Held = { offset: start * this.#unit, length, start, units }
      this.#live.add(held)
      return held
    }
    return undefined
  }
}
