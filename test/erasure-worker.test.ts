// The addon is context-aware: worker threads (how btfs-ts parallelizes) can load and run it.
import t from 'tap'
import { Worker } from 'node:worker_threads'
import { addonPath } from '../src/native/addon.js'
import { loadCodec } from '../src/erasure/index.js'
import { nativeLevels, rng } from './helpers/erasure-backends.js'

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const addon = require(workerData.path)
const { coeffs, rows, cols, inputs, level } = workerData
const outputs = Array.from({ length: rows }, () => new Uint8Array(inputs[0].length))
addon.apply(addon.prepare(coeffs, rows, cols, level), inputs, outputs)
parentPort.postMessage(outputs)
`

t.test('two workers encode concurrently with the addon', { skip: nativeLevels().length === 0 ? 'addon not built' : false }, async t => {
  const k = 6, m = 3, size = 100_003
  const codec = loadCodec({ mode: 'auto' }).createCodec(k, m)
  const rand = rng(3)
  const data = Array.from({ length: k }, () => rand(size))
  const expected = Array.from({ length: m }, () => new Uint8Array(size))
  codec.encode(data, expected)
  // parity rows of the systematic matrix, as the codec uses them
  const { encodingMatrix } = await import('../src/erasure/index.js')
  const coeffs = encodingMatrix(k, m).data.slice(k * k)
  const run = (): Promise<Uint8Array[]> => new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { path: addonPath(), coeffs, rows: m, cols: k, inputs: data, level: nativeLevels()[0] } })
    w.once('message', resolve)
    w.once('error', reject)
  })
  const results = await Promise.all([run(), run()])
  for (const r of results) t.ok(r.every((p, i) => Buffer.compare(p, expected[i]) === 0), 'worker parity matches')
})
