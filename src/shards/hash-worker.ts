/**
 * Shard hashing worker: owns the hash state of some shards of each encode job and hashes their
 * pieces, in segment order, straight from the encoder's shared segment slots.
 */
import { parentPort } from 'node:worker_threads'
import { ShardHashState } from './shard-hash.js'
import type { WorkerReply, WorkerRequest } from './hash-workers.js'

interface Job {
  slots: Uint8Array[]
  states: Map<number, ShardHashState>
}

const jobs = new Map<number, Job>()
const port = parentPort
if (port === null) throw new Error('hash-worker must run in a worker thread')

port.on('message', (msg: WorkerRequest) => {
  try {
    switch (msg.op) {
      case 'begin':
        jobs.set(msg.job, {
          slots: msg.slots.map(s => new Uint8Array(s)),
          states: new Map(msg.shards.map(i => [i, new ShardHashState(msg.leafSize)]))
        })
        break
      case 'segment': {
        const job = jobs.get(msg.job)
        if (job === undefined) throw new Error(`unknown job ${msg.job}`)
        const slot = job.slots[msg.slot] as Uint8Array
        for (const [index, state] of job.states) state.update(slot.subarray(index * msg.pieceSize, (index + 1) * msg.pieceSize))
        port.postMessage({ op: 'hashed', job: msg.job, slot: msg.slot, segment: msg.segment } satisfies WorkerReply)
        break
      }
      case 'end': {
        const job = jobs.get(msg.job)
        jobs.delete(msg.job)
        if (job === undefined) throw new Error(`unknown job ${msg.job}`)
        const shards = [...job.states].map(([index, state]) => ({ index, ...state.finish() }))
        port.postMessage({ op: 'result', job: msg.job, shards: shards.map(s => ({ index: s.index, cid: s.cid.bytes, size: s.size, merkleRoot: s.merkleRoot })) } satisfies WorkerReply)
        break
      }
      case 'cancel':
        jobs.delete(msg.job)
        break
    }
  } catch (err) {
    port.postMessage({ op: 'error', job: msg.job, message: (err as Error).message } satisfies WorkerReply)
  }
})
