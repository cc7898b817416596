import type { BlockLocation } from './interface.js'

/**
 * The most recently read index entries (multihash → where the block lives), least recently used
 * dropped first. Serving a hot file then needs no LevelDB lookup: each lookup is a round trip
 * through libuv's thread pool and takes a LevelDB snapshot on the main thread, under the DB
 * mutex, which under load the main thread ends up waiting for (bench:load: 7–12 % of the main
 * thread in `getMany` alone). The store clears it whenever locations can change (a sweep, a
 * compaction), so an entry is never older than the index it came from.
 */
export class LocationCache {
  readonly #max: number
  readonly #entries = new Map<string, BlockLocation>()

  constructor (maxEntries: number) {
    this.#max = Math.max(0, maxEntries)
  }

  get size (): number {
    return this.#entries.size
  }

  get (key: string): BlockLocation | undefined {
    const loc = this.#entries.get(key)
    if (loc !== undefined) {
      this.#entries.delete(key)
      this.#entries.set(key, loc)
    }
    return loc
  }

  set (key: string, loc: BlockLocation): void {
    if (this.#max === 0) return
    this.#entries.delete(key)
    this.#entries.set(key, loc)
    if (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value as string)
  }

  delete (key: string): void {
    this.#entries.delete(key)
  }

  clear (): void {
    this.#entries.clear()
  }
}

/** The cache key of a multihash (one char per byte: cheap to make, exact). */
export function locationKey (multihash: Uint8Array): string {
  return Buffer.from(multihash.buffer, multihash.byteOffset, multihash.byteLength).toString('latin1')
}
