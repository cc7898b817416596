import type { Manifest } from './manifest.js'

/** A manifest as the API and CLI show it (never the file key itself). */
export interface ManifestView {
  manifest: string
  root: string
  size: number
  k: number
  m: number
  segmentSize: number
  leafSize: number
  /** The file key is in clear in the manifest. */
  public: boolean
  shards: Array<{ index: number, cid: string, size: number, merkleRoot: string }>
}

/** The view of manifest `m` whose CID is `cid`. */
export function manifestView (cid: string, m: Manifest): ManifestView {
  return {
    manifest: cid,
    root: m.root.toString(),
    size: m.size,
    k: m.erasure.k,
    m: m.erasure.m,
    segmentSize: m.erasure.segmentSize,
    leafSize: m.merkle.leafSize,
    public: 'clear' in m.cipher.key,
    shards: m.shards.map(s => ({ index: s.index, cid: s.cid.toString(), size: s.size, merkleRoot: Buffer.from(s.merkleRoot).toString('hex') }))
  }
}
