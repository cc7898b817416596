import '../../src/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { BtfsNode } from '../../src/node.js'
import { Repo } from '../../src/repo/index.js'
import { silentLogger } from '../../src/logger.js'
import type { Config } from '../../src/config/index.js'

/**
 * Starts an in-process node on a fresh repo, stopped (and, for `fresh`, deleted) at teardown. The
 * repo is `t.testdir()` (which a test can only have one of); pass `fresh` for more nodes.
 */
export async function startTestNode (t: Test, config: Partial<Config> = {}, fresh = false): Promise<BtfsNode> {
  const root = fresh ? await mkdtemp(join(tmpdir(), 'btfs-ts-test-')) : t.testdir()
  await Repo.init(root, { ...config, blocks: { fsync: false, ...config.blocks } })
  const node = await BtfsNode.start(await Repo.open(root, 'test'), silentLogger())
  t.teardown(async () => {
    await node.stop()
    if (fresh) await rm(root, { recursive: true, force: true })
  })
  return node
}

/** Deterministic pseudo-random bytes (xorshift32), fast enough for hundreds of MiB. */
export function pseudoRandomBytes (length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  const words = new Uint32Array(out.buffer, 0, length >>> 2)
  let x = seed >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    words[i] = x
  }
  for (let i = words.length * 4; i < length; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

/** Yields `bytes` in pieces of `size`. */
export async function * chunks (bytes: Uint8Array, size = 65536): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

/** Collects an async iterable of bytes into one buffer. */
export async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}
