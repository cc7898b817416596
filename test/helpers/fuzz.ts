import fc from 'fast-check'

/**
 * A JSON value changed in one place: a field (at any depth) replaced by any JSON value, a long
 * string, an integer or a float, or dropped. The mutations a hostile peer makes to a valid
 * message to find the check that is missing.
 */
export function mutated (sample: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = []
  const walk = (value: unknown, path: string[]): void => {
    if (value === null || typeof value !== 'object') return
    for (const [key, child] of Object.entries(value)) { paths.push([...path, key]); walk(child, [...path, key]) }
  }
  walk(sample, [])
  const replacement = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string({ maxLength: 300 }), fc.integer(), fc.double())
  return fc.tuple(fc.constantFrom(...paths), replacement).map(([path, value]) => {
    const copy = structuredClone(sample) as Record<string, unknown>
    let node = copy
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
    const last = path[path.length - 1] as string
    if (value === undefined) delete node[last]
    else node[last] = value
    return copy
  })
}
