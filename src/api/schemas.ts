import Type from 'typebox'

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
