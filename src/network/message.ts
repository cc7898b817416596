import type { Static, TSchema } from 'typebox'
import { Compile, type Validator } from 'typebox/compile'
import '../validation/formats.js'
import { ProtocolViolation } from './errors.js'

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

/**
 * One wire message kind: a TypeBox schema compiled once, and the JSON codec of its frames. A
 * frame is accepted only when it is UTF-8 JSON whose value the schema allows (types, lengths,
 * ranges, parsed CIDs, peer ids and addresses through formats); anything else is a BAD_MESSAGE
 * violation naming the first offending path, and nothing of it reaches a handler.
 */
export class Message<S extends TSchema> {
  readonly name: string
  readonly schema: S
  readonly #check: Validator<{}, S>

  constructor (name: string, schema: S) {
    this.name = name
    this.schema = schema
    this.#check = Compile(schema)
  }

  /** True when `value` is a valid message of this kind. */
  is (value: unknown): value is Static<S> {
    return this.#check.Check(value)
  }

  /** The value, checked; BAD_MESSAGE otherwise. */
  check (value: unknown): Static<S> {
    if (this.#check.Check(value)) return value
    const first = this.#check.Errors(value)[0]
    const at = first === undefined ? '' : ` at ${first.instancePath === '' ? '(root)' : first.instancePath}: ${first.message}`
    throw new ProtocolViolation('BAD_MESSAGE', `not a valid ${this.name} message${at}`)
  }

  /** Decodes and checks one frame. */
  decode (frame: Uint8Array): Static<S> {
    return this.check(parseJson(frame, this.name))
  }

  /** Encodes a message (checked first: a node never sends what it would refuse). */
  encode (value: Static<S>): Uint8Array {
    return encoder.encode(JSON.stringify(this.check(value)))
  }
}

/** The JSON value of a frame; BAD_MESSAGE when it is not UTF-8 JSON. */
export function parseJson (frame: Uint8Array, what = 'protocol'): unknown {
  try {
    return JSON.parse(decoder.decode(frame))
  } catch {
    throw new ProtocolViolation('BAD_MESSAGE', `a ${what} frame that is not UTF-8 JSON`)
  }
}
