/**
 * A rogue peer for the adversarial tests, built from the project's own modules: a bare libp2p
 * node of the daemons' stack (TCP + noise + yamux + identify) that can do what any peer on the
 * network can — open any protocol, send any bytes, frame or not, lie in any field — and a wallet
 * of its own to sign what it sends. Nothing of it goes through the checks it attacks.
 */
import '../../src/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Test } from 'tap'
import * as varint from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { createWalletKey, Wallet } from '../../src/wallet/wallet.js'

export interface Rogue {
  node: Libp2p
  peerId: string
  wallet: Wallet
  /** Opens `protocol` on `peer` (dialling `addr` first). */
  open: (addr: string, protocol: string) => Promise<Stream>
  /** One exchange: the frames written as given (each length-prefixed), then every reply frame until the host closes or `ms` pass. */
  ask: (addr: string, protocol: string, frames: Array<Uint8Array | object>, ms?: number) => Promise<RogueReply>
}

export interface RogueReply {
  /** The reply frames, decoded as JSON where they are JSON. */
  frames: unknown[]
  /** Bytes received in all. */
  bytes: number
  /** How the stream ended ('refused': the host would not open it at all). */
  ended: 'closed' | 'reset' | 'timeout' | 'refused'
}

/** `value` as one length-prefixed frame (objects as JSON). */
export function frame (value: Uint8Array | object): Uint8Array {
  const bytes = value instanceof Uint8Array ? value : new TextEncoder().encode(JSON.stringify(value))
  return new Uint8ArrayList(varint.encode(bytes.length), bytes).subarray()
}

/** Splits received bytes into frames; a trailing partial frame is dropped. */
function frames (buffer: Uint8ArrayList): unknown[] {
  const out: unknown[] = []
  for (;;) {
    if (buffer.byteLength === 0) return out
    let length: number
    try { length = varint.decode(buffer) } catch { return out }
    const head = varint.encodingLength(length)
    if (buffer.byteLength < head + length) return out
    const body = buffer.subarray(head, head + length)
    buffer.consume(head + length)
    try { out.push(JSON.parse(new TextDecoder().decode(body))) } catch { out.push(body) }
  }
}

/** Starts a rogue peer, stopped at teardown. */
export async function startRogue (t: Test): Promise<Rogue> {
  const node = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  const dir = await mkdtemp(join(tmpdir(), 'btfs-ts-rogue-'))
  await createWalletKey(join(dir, 'wallet.key'), '')
  const wallet = await Wallet.open(join(dir, 'wallet.key'), '')
  t.teardown(async () => { await node.stop(); await rm(dir, { recursive: true, force: true }) })
  const open = async (addr: string, protocol: string): Promise<Stream> => {
    const ma = multiaddr(addr)
    await node.dial(ma, { signal: AbortSignal.timeout(10_000) })
    const peer = ma.getComponents().find(c => c.name === 'p2p')?.value as string
    return await node.dialProtocol(peerIdFromString(peer), protocol, { signal: AbortSignal.timeout(10_000) })
  }
  const ask = async (addr: string, protocol: string, out: Array<Uint8Array | object>, ms = 10_000): Promise<RogueReply> => {
    let stream: Stream
    try {
      stream = await open(addr, protocol)
    } catch {
      return { frames: [], bytes: 0, ended: 'refused' }
    }
    const buffer = new Uint8ArrayList()
    let bytes = 0
    const ended = new Promise<RogueReply['ended']>(resolve => {
      const timer = setTimeout(() => { resolve('timeout') }, ms)
      stream.addEventListener('message', evt => { bytes += evt.data.byteLength; buffer.append(evt.data) })
      stream.addEventListener('remoteCloseWrite', () => { clearTimeout(timer); resolve('closed') })
      stream.addEventListener('close', evt => { clearTimeout(timer); resolve(evt.error !== undefined ? 'reset' : 'closed') })
    })
    try {
      for (const f of out) {
        if (stream.send(frame(f))) continue
        const drained = stream.onDrain()
        drained.catch(() => {}) // it rejects when the host resets the stream, after the race is decided
        await Promise.race([drained, ended])
      }
    } catch {} // the host reset the stream mid-send: `ended` says how
    const how = await ended
    stream.abort(new Error('done'))
    return { frames: frames(buffer), bytes, ended: how }
  }
  return { node, peerId: node.peerId.toString(), wallet, open, ask }
}
