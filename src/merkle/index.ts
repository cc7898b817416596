/**
 * SHA-256 Merkle trees over shard bytes, RFC 6962 style (see rfc6962.ts for the exact tree,
 * including the empty tree's root, SHA-256("")).
 *
 *   const b = new MerkleBuilder(4096)            // streaming root, O(log n) memory
 *   for await (const chunk of shard) b.update(chunk)
 *   const root = b.root()
 *
 *   const tree = MerkleTree.fromShard(shard, 4096) // host: every level, ~64 B per leaf
 *   const path = tree.proof(i)                     // answer a challenge: leaf i + path
 *   verifyMerkleProof(root, i, tree.leafCount, leaf, path)   // renter
 *
 * Hashing runs on the native addon's sha256Batch (OpenSSL SHA-256 in batches) when it is built
 * and node exports OpenSSL's SHA256_* symbols, else on node:crypto; both give identical results.
 * Environment: BTFS_TS_MERKLE=auto|native|js (default auto); options.backend overrides it.
 */
export * from './errors.js'
export type { HashBackend, HashBackendMode, MerkleOptions, MerkleProofItem, Sha256Batch } from './interface.js'
export { hashBackend, jsSha256Batch } from './backend.js'
export { EMPTY_ROOT_HEX, HASH_BYTES, LEAF_PREFIX, NODE_PREFIX, MAX_LEAF_SIZE, emptyRoot, leafCountOf } from './rfc6962.js'
export { leafHash, nodeHash } from './hashes.js'
export { MerkleBuilder, merkleRoot, type MerkleBuilderOptions } from './builder.js'
export { MerkleTree, type MerkleTreeOptions } from './tree.js'
export { auditPathLength, merkleProof, verifyMerkleProof, verifyMerkleProofs } from './proof.js'
