import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey, PeerId } from '@libp2p/interface'
import { writeFileAtomic } from './atomic-write.js'

export { writeFileAtomic }

/** The node's libp2p identity. The private key stays in the repo keystore (mode 0600). */
export interface Identity {
  privateKey: PrivateKey
  peerId: PeerId
}

/** Generates a new Ed25519 identity and stores it at `keyPath`. */
export async function createIdentity (keyPath: string): Promise<Identity> {
  await mkdir(dirname(keyPath), { recursive: true, mode: 0o700 })
  const privateKey = await generateKeyPair('Ed25519')
  await writeFileAtomic(keyPath, privateKeyToProtobuf(privateKey), 0o600)
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) }
}

/** Loads the identity stored at `keyPath`. */
export async function loadIdentity (keyPath: string): Promise<Identity> {
  const privateKey = privateKeyFromProtobuf(await readFile(keyPath))
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey) }
}
