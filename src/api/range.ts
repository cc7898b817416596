/** A byte range to serve: [start, end] inclusive, as HTTP counts them. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * Parses a `Range` header against a representation of `size` bytes (RFC 9110 §14.1.2).
 * Returns undefined when the header is absent, malformed, not in bytes, or asks for several
 * ranges (then the whole representation is served with 200, which the RFC allows), and
 * `'unsatisfiable'` when no byte of the range exists (416).
 */
export function parseRange (header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim())
  if (match === null) return undefined
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  if (last !== '' && Number(last) < start) return undefined
  if (start >= size) return 'unsatisfiable'
  return { start, end }
}
