import t from 'tap'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { startNetNode } from '../helpers/network.js'
import { pseudoRandomBytes } from '../helpers/node.js'

// Finding 15: a malformed multipart body to POST /add answered 500. Each of these is the
// client's fault: 400 with the route's error shape, and nothing kept.

t.setTimeout(120000)

const b = 'xXbOuNdArYxX'
const part = (name: string, filename: string, content: string): string =>
  `--${b}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n`

/** Malformed bodies and the content type they are sent with. */
const malformed: Array<[string, string, string]> = [
  ['no boundary parameter', 'multipart/form-data', part('file', 'a.bin', 'abc') + `--${b}--\r\n`],
  ['an empty boundary', 'multipart/form-data; boundary=', part('file', 'a.bin', 'abc') + `--${b}--\r\n`],
  ['a boundary of 300 characters', `multipart/form-data; boundary=${'x'.repeat(300)}`, `--${'x'.repeat(300)}\r\n`],
  ['the body cut inside the file', `multipart/form-data; boundary=${b}`, `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\nabcdef`],
  ['no closing boundary', `multipart/form-data; boundary=${b}`, part('file', 'a.bin', 'abc')],
  ['the body cut inside the part headers', `multipart/form-data; boundary=${b}`, `--${b}\r\nContent-Disposition: form-da`],
  ['garbage', `multipart/form-data; boundary=${b}`, 'this is not multipart at all'],
  ['another boundary than announced', `multipart/form-data; boundary=${b}`, part('file', 'a.bin', 'abc').replaceAll(b, 'other') + '--other--\r\n'],
  ['only the closing boundary', `multipart/form-data; boundary=${b}`, `--${b}--\r\n`],
  ['an empty body', `multipart/form-data; boundary=${b}`, ''],
  ['no file part', `multipart/form-data; boundary=${b}`, `--${b}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${b}--\r\n`],
  ['a part header of 100 KiB', `multipart/form-data; boundary=${b}`, `--${b}\r\nContent-Disposition: form-data; name="file"; filename="${'n'.repeat(100 * 1024)}"\r\n\r\nabc\r\n--${b}--\r\n`]
]

t.test('malformed multipart bodies get 400 and leave nothing behind', async t => {
  const node = await startNetNode(t)
  const packs = async (): Promise<string[]> => (await readdir(join(node.repo, 'blocks'))).filter(f => f.endsWith('.pack'))
  const pins = async (): Promise<unknown[]> => (await node.api<{ pins: unknown[] }>('/pins?type=all')).pins

  for (const path of ['/add', '/api/v0/add']) {
    for (const [what, type, body] of malformed) {
      const res = await fetch(`${node.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body })
      const answer = await res.json() as Record<string, unknown>
      t.ok(res.status >= 400 && res.status < 500, `${path}, ${what}: ${res.status} ${JSON.stringify(answer).slice(0, 120)}`)
      if (path === '/add') t.match(answer, { code: String, message: String }, `${path}, ${what}: {code, message}`)
      else t.match(answer, { Message: String, Code: 1, Type: 'error' }, `${path}, ${what}: kubo's error shape`)
    }
  }
  t.same(await pins(), [], 'no pin')
  t.same(await packs(), [], 'no pack file')
  t.equal((await node.api<{ removedBlocks: number }>('/repo/gc', { method: 'POST' })).removedBlocks, 0, 'no block for GC')

  const good = await fetch(`${node.url}/add`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${b}` }, body: part('file', 'ok.bin', 'fine') + `--${b}--\r\n` })
  t.equal(good.status, 200, 'a well-formed body is still added')
  t.match(await good.json(), { name: 'ok.bin', size: 4 })
  const data = pseudoRandomBytes(2 * 1024 * 1024, 71)
  const form = new FormData()
  form.append('file', new Blob([data]), 'big.bin')
  t.equal((await fetch(`${node.url}/add`, { method: 'POST', body: form })).status, 200, 'as is a real client\'s')
})
