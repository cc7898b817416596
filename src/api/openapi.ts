import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { packageRoot } from '../package-info.js'

/** The API contract, `api-spec/openapi.yaml`, parsed (served as JSON at /openapi.json). */
export function loadOpenApiSpec (): Record<string, unknown> {
  return parse(readFileSync(join(packageRoot, 'api-spec', 'openapi.yaml'), 'utf8')) as Record<string, unknown>
}

/** Turns a Fastify route URL into an OpenAPI path: `/cat/:cid` → `/cat/{cid}`, `/ipfs/*` → `/ipfs/{path}`. */
export function toOpenApiPath (url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}')
}
