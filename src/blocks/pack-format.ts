/**
 * The pack file format. A pack is an append-only file: an 8-byte magic, then records
 * `u16 multihash length | multihash | u32 data length | data` (big endian). Records carry their
 * multihash so the index can be rebuilt or verified from the packs alone.
 */
import type { BlockLocation } from './interface.js'

export const packMagic = new TextEncoder().encode('BTFSPK01')

/** Bytes of record framing before the data of a block with a multihash of `mhLength` bytes. */
export function recordHeaderLength (mhLength: number): number {
  return 2 + mhLength + 4
}

/** The framing written before a block's data. */
export function encodeRecordHeader (multihash: Uint8Array, dataLength: number): Uint8Array {
  const header = new Uint8Array(recordHeaderLength(multihash.length))
  const view = new DataView(header.buffer)
  view.setUint16(0, multihash.length)
  header.set(multihash, 2)
  view.setUint32(2 + multihash.length, dataLength)
  return header
}

/** File name of pack `id` inside the blocks folder. */
export function packFileName (id: number): string {
  return `${String(id).padStart(10, '0')}.pack`
}

/** Parses a pack file name; undefined when the name is not a pack. */
export function parsePackFileName (name: string): number | undefined {
  const match = /^(\d{10})\.pack$/.exec(name)
  return match === null ? undefined : Number(match[1])
}

/** Encodes a block location as the 16-byte index value. */
export function encodeLocation (loc: BlockLocation): Uint8Array {
  const out = new Uint8Array(16)
  const view = new DataView(out.buffer)
  view.setUint32(0, loc.pack)
  view.setBigUint64(4, BigInt(loc.offset))
  view.setUint32(12, loc.length)
  return out
}

/** Decodes a 16-byte index value. */
export function decodeLocation (bytes: Uint8Array): BlockLocation {
  const loc = tryDecodeLocation(bytes)
  if (loc === undefined) throw new RangeError(`a block location is 16 bytes, not ${bytes.byteLength}`)
  return loc
}

/** The location in `bytes`, or undefined when they are not one (a corrupt index record). */
export function tryDecodeLocation (bytes: Uint8Array): BlockLocation | undefined {
  if (bytes.byteLength !== 16) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { pack: view.getUint32(0), offset: Number(view.getBigUint64(4)), length: view.getUint32(12) }
}
