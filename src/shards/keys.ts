import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { AppError } from '../errors/index.js'
import { writeFileAtomic } from '../repo/identity.js'

const sealLabel = new TextEncoder().encode('btfs-ts/file-key-seal/v1')

/**
 * The repo's file-key sealing secret (keystore/files.key, 32 random bytes, mode 0600), created
 * on first use. File keys are sealed to it so that a manifest can travel (to hosts, to backups)
 * without giving the file away.
 */
export async function loadSealingSecret (path: string): Promise<Uint8Array> {
  try {
    const secret = await readFile(path)
    if (secret.length !== 32) throw new AppError('REPO_INVALID', `${path} is not a 32-byte key`)
    return secret
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const secret = randomBytes(32)
    await writeFileAtomic(path, secret, 0o600)
    return secret
  }
}

function sealingKey (secret: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), sealLabel, 32))
}

function sealAad (fileId: Uint8Array, root: Uint8Array): Buffer {
  return Buffer.concat([sealLabel, fileId, root])
}

/**
 * Seals a file key: AES-256-GCM under a key derived from the repo secret, random nonce,
 * bound to the file id and the plaintext root CID. Output: nonce (12) | key (32) | tag (16).
 */
export function sealFileKey (secret: Uint8Array, fileKey: Uint8Array, fileId: Uint8Array, root: Uint8Array): Uint8Array {
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', sealingKey(secret), nonce)
  cipher.setAAD(sealAad(fileId, root))
  return Buffer.concat([nonce, cipher.update(fileKey), cipher.final(), cipher.getAuthTag()])
}

/** Opens a sealed file key; FILE_KEY_UNAVAILABLE when it was sealed by another repo (or changed). */
export function unsealFileKey (secret: Uint8Array, sealed: Uint8Array, fileId: Uint8Array, root: Uint8Array): Uint8Array {
  if (sealed.length !== 12 + 32 + 16) throw new AppError('MANIFEST_INVALID', 'sealed file key has the wrong length')
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(secret), sealed.subarray(0, 12))
  decipher.setAAD(sealAad(fileId, root))
  decipher.setAuthTag(sealed.subarray(44))
  try {
    return Buffer.concat([decipher.update(sealed.subarray(12, 44)), decipher.final()])
  } catch {
    throw new AppError('FILE_KEY_UNAVAILABLE', 'the file key is sealed to another node: only the repo that made these shards (or a public manifest) can decrypt them')
  }
}
