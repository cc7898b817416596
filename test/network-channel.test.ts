/**
 * The protocol layer's bounds, on a stand-in stream (Channel) and on two real libp2p nodes in
 * this process (a shard read far larger than the credit window, whose acknowledgements must fit
 * the host's bound and must not be timed as a body).
 */
import '../src/polyfill.js'
import t from 'tap'
import { generateKeyPair } from '@libp2p/crypto/keys'
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { silentLogger } from '../src/logger.js'
import { Channel } from '../src/network/channel.js'
import { Libp2pNetwork } from '../src/network/network.js'
import { getShard, handleShard } from '../src/network/protocols/shard.js'

/** Just what Channel uses of a libp2p stream, driven by the test. */
class FakeStream extends EventTarget {
  sent: Uint8Array[] = []
  status = 'open'
  remoteWriteStatus = 'writable'
  push (bytes: Uint8Array): void { this.dispatchEvent(Object.assign(new Event('message'), { data: bytes })) }
  send (bytes: Uint8ArrayList): boolean { this.sent.push(bytes.subarray()); return true }
  async close (): Promise<void> { this.status = 'closed' }
  async closeRead (): Promise<void> {}
  abort (): void { this.status = 'aborted' }
}

const framed = (bytes: Uint8Array): Uint8Array => new Uint8ArrayList(varint.encode(bytes.length), bytes).subarray()
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

t.test('a channel counts every byte on arrival against its bounds', async t => {
  const long = new FakeStream()
  const ch = new Channel(long as never, { maxFrame: 100, maxInbound: 1000 })
  long.push(varint.encode(5000))
  await t.rejects(ch.read(), { code: 'FRAME_TOO_LARGE' }, 'a frame announced over maxFrame is refused before its bytes come')

  const much = new FakeStream()
  const ch2 = new Channel(much as never, { maxFrame: 100, maxInbound: 250 })
  for (let i = 0; i < 3; i++) much.push(framed(new Uint8Array(90)))
  const reads = await Promise.allSettled([ch2.read(), ch2.read(), ch2.read()])
  t.match(reads.at(-1), { status: 'rejected', reason: { code: 'TOO_MUCH_DATA' } }, 'past maxInbound the exchange is refused')
  t.ok(reads.filter(r => r.status === 'fulfilled').length < 3, 'and the frame that crossed the bound is not delivered')

  const allowed = new FakeStream()
  const ch3 = new Channel(allowed as never, { maxFrame: 100, maxInbound: 100 })
  ch3.allow(1000)
  for (let i = 0; i < 5; i++) allowed.push(framed(new Uint8Array(90)))
  for (let i = 0; i < 5; i++) t.equal((await ch3.read()).length, 90)
  t.pass('allow() raises the bound for a body the exchange announced')
})

t.test('the minimum rate times bodies only, from when one is expected', async t => {
  const control = new FakeStream()
  const slowAcks = new Channel(control as never, { maxFrame: 100, maxInbound: 10_000, minRate: 1000, rateGraceMs: 50 })
  for (let i = 0; i < 4; i++) { await sleep(40); control.push(framed(new Uint8Array(10))) }
  for (let i = 0; i < 4; i++) t.equal((await slowAcks.read()).length, 10)
  t.pass('control traffic at a few bytes a second is not cut')

  const body = new FakeStream()
  const slowBody = new Channel(body as never, { maxFrame: 100, maxInbound: 10_000, minRate: 1000, rateGraceMs: 50 })
  slowBody.expectData()
  for (let i = 0; i < 4; i++) { await sleep(40); body.push(framed(new Uint8Array(10))) }
  const results = await Promise.allSettled(Array.from({ length: 4 }, async () => await slowBody.read()))
  t.match(results.find(r => r.status === 'rejected'), { reason: { code: 'TOO_SLOW' } }, 'a body trickling below the rate is cut after the grace')
})

t.test('a shard read many times the credit window, slower than the grace at the start, completes', async t => {
  const start = async (): Promise<Libp2pNetwork> => await Libp2pNetwork.start({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], announce: [], bootstrap: [], protocolPrefix: '/btfs-ts-test', logger: silentLogger() })
  const host = await start()
  const reader = await start()
  t.teardown(async () => { await reader.stop(); await host.stop() })
  const size = 300 * 1024 * 1024 // 300 acknowledgements: more than a request's bound alone allows
  const frame = new Uint8Array(256 * 1024)
  await handleShard(host, {
    put: async () => { throw new Error('not in this test') },
    has: async () => ({ has: true, size }),
    get: async () => ({ size, frames: (async function * () { for (let at = 0; at < size; at += frame.length) yield frame })() })
  })
  await reader.connect(host.addresses().find(a => a.includes('127.0.0.1')) as string)
  let got = 0
  let paused = false
  const read = await getShard(reader, host.peerId, { contractId: '0x' + '11'.repeat(32), length: size }, async f => {
    got += f.length
    if (!paused && got > 64 * 1024 * 1024) { paused = true; await sleep(200) } // a slow disk for a moment
  })
  t.equal(read, size, 'every byte arrived')
  t.equal(got, size)
})
