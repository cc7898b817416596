import Type from 'typebox'
import { Uint256 } from '../validation/types.js'

/** Shared response schemas; serialising through them also drops any field not listed. */
export const ErrorSchema = Type.Object({
  code: Type.String({ description: 'stable error code, e.g. INVALID_CID' }),
  message: Type.String()
})

export const CidParams = Type.Object({ cid: Type.String({ description: 'a CIDv0 or CIDv1' }) })

/** Error responses every route can give. */
export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  500: ErrorSchema
}

/**
 * BTT base units (1 BTT = 10^18) as a decimal string that fits a uint256 (what a contract or a
 * cheque can carry): amounts never travel as JSON numbers.
 */
export const BttAmount = Uint256('BTT base units (1 BTT = 10^18), decimal, at most 2^256 - 1')

/** Error responses of routes that need the network: a conflict, a peer or chain that failed, offline. */
export const networkErrorResponses = { ...errorResponses, 409: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema }
