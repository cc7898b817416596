import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Value from 'typebox/value'
import { AppError } from '../errors/index.js'
import { packageRoot } from '../package-info.js'
import { ConfigSchema, type Config } from './schema.js'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

function isObject (value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The shipped defaults, read from `config/default.json`; a fresh copy on every call. */
export function defaultConfig (): Config {
  const raw: unknown = JSON.parse(readFileSync(join(packageRoot, 'config', 'default.json'), 'utf8'))
  return validateConfig(raw, 'config/default.json')
}

/** Deep-merges `override` over `base` (objects merge, everything else replaces); pure. */
export function mergeConfig<T> (base: T, override: unknown): T {
  if (!isObject(base) || !isObject(override)) return (override === undefined ? base : override) as T
  const out: JsonObject = { ...base }
  for (const [key, value] of Object.entries(override)) out[key] = mergeConfig(out[key], value)
  return out as T
}

/** Checks `value` against the schema; throws CONFIG_INVALID naming every bad key. */
export function validateConfig (value: unknown, source: string): Config {
  if (Value.Check(ConfigSchema, value)) return value
  const problems = [...Value.Errors(ConfigSchema, value)]
    .filter(e => e.keyword !== 'boolean')
    .map(e => {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties
      const at = e.instancePath.slice(1).replaceAll('/', '.') || '(root)'
      return extra !== undefined ? `${at}: unknown key ${extra.join(', ')}` : `${at}: ${e.message}`
    })
  throw new AppError('CONFIG_INVALID', `invalid configuration in ${source}: ${problems.join('; ')}`)
}

/** Environment variables that override config keys (documented in README). */
export const envOverrides: Record<string, string> = {
  BTFS_TS_API: 'api.address',
  BTFS_TS_LOG: 'log.level'
}

/** Applies `envOverrides` found in `env` to `config`; returns a new validated config. */
export function applyEnv (config: Config, env: NodeJS.ProcessEnv): Config {
  let out: Config = config
  for (const [name, key] of Object.entries(envOverrides)) {
    const value = env[name]
    if (value !== undefined && value !== '') out = setConfigValue(out, key, value)
  }
  return validateConfig(out, 'environment')
}

/** Reads the value at a dotted key such as `api.address`; throws on an unknown key. */
export function getConfigValue (config: Config, key: string): unknown {
  let node: unknown = config
  for (const part of key.split('.')) {
    if (!isObject(node) || !(part in node)) throw new AppError('INVALID_PARAMETER', `unknown config key "${key}"`)
    node = node[part]
  }
  return node
}

/**
 * Returns a copy of `config` with `key` set to `raw`. `raw` is parsed as JSON when it parses
 * (`true`, `5`, `{"a":1}`), else taken as a string, then the whole tree is validated.
 */
export function setConfigValue (config: Config, key: string, raw: unknown): Config {
  // The parent must exist; the key itself may be an optional one not set yet (validation below
  // refuses keys the schema does not know).
  const parts = key.split('.')
  const parent = parts.length > 1 ? getConfigValue(config, parts.slice(0, -1).join('.')) : config
  const last = parts[parts.length - 1] as string
  if (!isObject(parent)) throw new AppError('INVALID_PARAMETER', `unknown config key "${key}"`)
  let value: unknown = raw
  if (typeof raw === 'string') {
    const current = parent[last]
    if (typeof current !== 'string') {
      try { value = JSON.parse(raw) } catch { value = raw }
    }
  }
  try {
    return validateConfig(replaceAt(config, parts, value), `config key "${key}"`)
  } catch (err) {
    if (!(last in parent) && err instanceof Error && err.message.includes(`unknown key ${last}`)) throw new AppError('INVALID_PARAMETER', `unknown config key "${key}"`)
    throw err
  }
}

function replaceAt (node: unknown, path: string[], value: unknown): Config {
  const [head, ...rest] = path
  const obj = node as JsonObject
  return { ...obj, [head as string]: rest.length === 0 ? value : replaceAt(obj[head as string], rest, value) } as unknown as Config
}
