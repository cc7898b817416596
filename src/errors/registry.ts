/**
 * The one error registry of btfs-ts. Every error the node reports has a stable code, an HTTP
 * status and a default message; the API maps them to `{ code, message }` bodies in one place
 * (src/api/errors.ts) and the CLI prints the same message.
 */
export const errorRegistry = {
  INVALID_CID: { status: 400, message: 'not a valid CID' },
  INVALID_PARAMETER: { status: 400, message: 'invalid parameter' },
  INVALID_PATH: { status: 400, message: 'invalid path' },
  MISSING_FILE: { status: 400, message: 'the request carries no file' },
  NOT_A_FILE: { status: 400, message: 'the CID is not a file' },
  MANIFEST_INVALID: { status: 400, message: 'not a valid btfs-ts shard manifest' },
  NOT_A_HOST: { status: 400, message: 'host mode is off on this node (daemon --host or host.enabled)' },
  UNAUTHORIZED: { status: 401, message: 'missing or wrong API token' },
  FILE_KEY_UNAVAILABLE: { status: 403, message: 'the file key is sealed to another node' },
  FORBIDDEN_ORIGIN: { status: 403, message: 'cross-origin requests are not allowed on this API' },
  FORBIDDEN_HOST: { status: 403, message: 'requests must address the API by a loopback host name' },
  NOT_FOUND: { status: 404, message: 'not found' },
  BLOCK_NOT_FOUND: { status: 404, message: 'block not found in the local store' },
  PATH_NOT_FOUND: { status: 404, message: 'no such path under this CID' },
  NOT_PINNED: { status: 404, message: 'not pinned' },
  ROUTE_NOT_FOUND: { status: 404, message: 'no such API route' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'method not allowed on this route' },
  REQUEST_TIMEOUT: { status: 408, message: 'the request body arrived slower than api.minBodyRate' },
  REPO_LOCKED: { status: 409, message: 'the repo is in use by another process' },
  PIN_CONFLICT: { status: 409, message: 'pinned indirectly or by another pin type' },
  BODY_TOO_LARGE: { status: 413, message: 'request body exceeds api.maxBodyBytes' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'requested range not satisfiable' },
  NO_HOSTS: { status: 409, message: 'not enough hosts accept these terms' },
  NO_CHAIN: { status: 409, message: 'no chain is configured (settlement.chain is none)' },
  INSUFFICIENT_TRX: { status: 409, message: 'the wallet has too little TRX for the transaction fee limit' },
  OVERDUE: { status: 402, message: 'this renter is overdue with its payments' },
  REQUEST_ABORTED: { status: 499, message: 'the client closed the request' },
  INTERNAL: { status: 500, message: 'internal error' },
  CORRUPT_BLOCK: { status: 500, message: 'stored block does not match its CID' },
  SEGMENT_AUTH_FAILED: { status: 500, message: 'a segment failed authentication' },
  CONFIG_INVALID: { status: 500, message: 'invalid configuration' },
  WALLET_LOCKED: { status: 500, message: 'the wallet key is encrypted and the passphrase is missing or wrong' },
  REPO_INVALID: { status: 500, message: 'the repo is missing or damaged' },
  PROTOCOL_ERROR: { status: 502, message: 'a peer broke the wire protocol' },
  PEER_REJECTED: { status: 502, message: 'the peer rejected the request' },
  CHAIN_TX_MISMATCH: { status: 502, message: 'the TRON node answered with a transaction other than the one asked for; nothing was signed' },
  NOT_ENOUGH_SHARDS: { status: 503, message: 'fewer than k intact shards are available' },
  NETWORK_OFFLINE: { status: 503, message: 'the network is not running (offline mode)' },
  CHAIN_UNAVAILABLE: { status: 503, message: 'the TRON node cannot be reached or gave no usable answer' },
  SHUTTING_DOWN: { status: 503, message: 'the node is shutting down' }
} as const satisfies Record<string, { status: number, message: string }>

/** A stable error code; part of the public API. */
export type ErrorCode = keyof typeof errorRegistry
