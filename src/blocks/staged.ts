import type { Mortice } from 'mortice'
import type { BatchOp } from '../store/index.js'
import type { BlockStore, BlockWriter } from './interface.js'

/**
 * Runs `fn` with a staged block writer under the shared GC lock, then commits the blocks it put
 * together with the datastore operations it returns, atomically; on any error the writer is
 * aborted and nothing is left. The one way services write blocks.
 */
export async function staged<T> (blocks: BlockStore, gcLock: Mortice, fn: (writer: BlockWriter) => Promise<{ result: T, ops: BatchOp[] }>): Promise<T> {
  const release = await gcLock.readLock()
  const writer = blocks.writer()
  try {
    const { result, ops } = await fn(writer)
    await writer.commit(ops)
    return result
  } catch (err) {
    await writer.abort()
    throw err
  } finally {
    release()
  }
}
