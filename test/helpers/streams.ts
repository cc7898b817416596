import type { Hash } from 'node:crypto'
import { readFile } from 'node:fs/promises'

/**
 * A pseudo-random stream of `total` bytes (xorshift32 from `seed`) in fresh 1 MiB pieces, as a
 * socket delivers them, each piece fed to `hash` as it is produced so the test never holds it.
 */
export function generated (total: number, hash: Hash, seed = 0x9e3779b9): ReadableStream<Uint8Array> {
  let sent = 0
  let x = seed
  return new ReadableStream({
    pull (controller) {
      if (sent >= total) { controller.close(); return }
      const size = Math.min(1024 * 1024, total - sent)
      const piece = new Uint8Array(size)
      const words = new Uint32Array(piece.buffer, 0, size >>> 2)
      for (let i = 0; i < words.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; words[i] = x >>> 0 }
      hash.update(piece)
      sent += size
      controller.enqueue(piece)
    }
  }, { highWaterMark: 2 })
}

/** A numeric field of /proc/<pid>/<file> (status: VmHWM in KiB; io: rchar in bytes). */
export async function procField (pid: number, field: string, file = 'status'): Promise<number> {
  const text = await readFile(`/proc/${pid}/${file}`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)
  return Number(match?.[1])
}
