import type { Test } from 'tap'
import { buildApp, type AppOptions } from '../../src/api/app.js'
import type { ApiInstance } from '../../src/api/context.js'
import type { Config } from '../../src/config/index.js'
import { silentLogger } from '../../src/logger.js'
import type { BtfsNode } from '../../src/node.js'
import { startTestNode } from './node.js'

/** An in-process node with its API app, for `inject()` tests (`app.cookie`: the API cookie it accepts). */
export async function startTestApp (t: Test, config: Partial<Config> = {}, app: Pick<AppOptions, 'cookie'> = {}): Promise<{ node: BtfsNode, app: ApiInstance }> {
  const node = await startTestNode(t, config)
  const api = await buildApp(node, { logger: silentLogger(), ...app })
  t.teardown(async () => { await api.close() })
  return { node, app: api }
}

/** A multipart/form-data body with one file part. */
export function multipartBody (field: string, filename: string, content: Uint8Array): { body: Buffer, contentType: string } {
  const boundary = '----btfs-ts-test-' + Math.random().toString(16).slice(2)
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`
  const body = Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)])
  return { body, contentType: `multipart/form-data; boundary=${boundary}` }
}
