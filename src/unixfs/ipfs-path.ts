import { CID } from 'multiformats/cid'
import { AppError } from '../errors/index.js'

/** A parsed IPFS path: a root CID and the path segments below it. */
export interface IpfsPath {
  cid: CID
  segments: string[]
}

/** Parses a CID string; throws INVALID_CID with the offending value. */
export function parseCid (value: string): CID {
  try {
    return CID.parse(value.trim())
  } catch {
    throw new AppError('INVALID_CID', `"${value.length > 100 ? value.slice(0, 100) + '…' : value}" is not a valid CID`, { details: { value: value.slice(0, 100) } })
  }
}

/**
 * Parses `<cid>`, `<cid>/a/b`, `/ipfs/<cid>/a/b` (the forms kubo's `cat`, `ls` and the
 * gateway accept), already URL-decoded. Empty segments are dropped; `.` and `..` are refused.
 */
export function parseIpfsPath (value: string): IpfsPath {
  let rest = value.trim()
  if (rest.startsWith('/ipfs/')) rest = rest.slice('/ipfs/'.length)
  else if (rest.startsWith('/ipns/')) throw new AppError('INVALID_PATH', 'IPNS paths are not supported: use /ipfs/<cid>')
  const [head = '', ...tail] = rest.split('/')
  const segments = tail.filter(s => s !== '')
  if (segments.some(s => s === '.' || s === '..')) throw new AppError('INVALID_PATH', 'path segments "." and ".." are not allowed')
  return { cid: parseCid(head), segments }
}
