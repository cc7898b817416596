import { AppError } from '../errors/index.js'

/** The streams a passphrase is read from and prompted on. */
export interface PassphraseIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean, setRawMode?: (raw: boolean) => unknown }
  /** Where prompts go (stderr: stdout carries the command's output). */
  prompt: NodeJS.WritableStream
}

/**
 * Reads lines typed on a terminal in raw mode, so nothing is echoed: Enter ends a line,
 * Backspace deletes, Ctrl-C cancels, Ctrl-D on an empty line ends the input.
 */
class HiddenLines {
  readonly #io: PassphraseIo
  #pending = ''

  constructor (io: PassphraseIo) {
    this.#io = io
  }

  async ask (question: string): Promise<string> {
    const { input, prompt } = this.#io
    prompt.write(question)
    input.setRawMode?.(true)
    input.resume()
    try {
      return await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer | string): void => {
          this.#pending += String(chunk)
          let line = ''
          for (let i = 0; i < this.#pending.length; i++) {
            const ch = this.#pending[i] as string
            if (ch === '\r' || ch === '\n') {
              this.#pending = this.#pending.slice(i + 1).replace(/^\n/, '')
              input.off('data', onData)
              resolve(line)
              return
            }
            if (ch === '\u0003') { input.off('data', onData); reject(new AppError('INVALID_PARAMETER', 'cancelled: nothing was changed')); return }
            if (ch === '\u0004' && line === '') { input.off('data', onData); reject(new AppError('INVALID_PARAMETER', 'no passphrase given: nothing was changed')); return }
            if (ch === '\u007f' || ch === '\b') line = [...line].slice(0, -1).join('')
            else line += ch
          }
        }
        input.on('data', onData)
        onData('') // a line typed ahead (pasted with the first) is already here
      })
    } finally {
      input.setRawMode?.(false)
      input.pause()
      prompt.write('\n')
    }
  }
}

async function readAll (input: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of input) text += String(chunk)
  return text
}

/**
 * The new wallet passphrase, given twice so a typo cannot seal the key with a passphrase
 * nobody knows: on a terminal it is asked twice without echo; from a pipe it is the first two
 * lines. An empty passphrase (twice) means "remove the seal". Throws INVALID_PARAMETER when the
 * two differ or the second is missing; nothing is changed then.
 */
export async function readNewPassphrase (io: PassphraseIo): Promise<string> {
  let first: string
  let second: string | undefined
  if (io.input.isTTY === true && io.input.setRawMode !== undefined) {
    const lines = new HiddenLines(io)
    first = await lines.ask('New wallet passphrase (empty: store the key unencrypted): ')
    second = await lines.ask('The same again: ')
  } else {
    const lines = (await readAll(io.input)).split(/\r?\n/)
    if (lines.at(-1) === '') lines.pop()
    first = lines[0] ?? ''
    second = lines[1]
    if (second === undefined) throw new AppError('INVALID_PARAMETER', 'give the new passphrase twice, on two lines (the second confirms the first): nothing was changed')
  }
  if (first !== second) throw new AppError('INVALID_PARAMETER', 'the two passphrases differ: nothing was changed')
  return first
}
