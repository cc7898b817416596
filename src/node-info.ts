import { arch, platform } from 'node:os'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { packageInfo } from './package-info.js'
import type { Identity } from './repo/index.js'
import { repoVersion } from './repo/index.js'

/** A node's public identity (never the private key). */
export interface NodeIdentity {
  id: string
  publicKey: string
  addresses: string[]
  agentVersion: string
}

/** The public identity of a node, as /id and `btfs-ts id` show it. */
export function nodeIdentity (identity: Identity, addresses: string[]): NodeIdentity {
  return {
    id: identity.peerId.toString(),
    publicKey: Buffer.from(publicKeyToProtobuf(identity.privateKey.publicKey)).toString('base64'),
    addresses,
    agentVersion: `${packageInfo.name}/${packageInfo.version}`
  }
}

/** Version facts, as /version and `btfs-ts version` show them. */
export interface VersionInfo {
  name: string
  version: string
  repo: number
  node: string
  system: string
}

export function versionInfo (): VersionInfo {
  return { name: packageInfo.name, version: packageInfo.version, repo: repoVersion, node: process.version, system: `${arch()}/${platform()}` }
}
