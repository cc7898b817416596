import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { packageRoot } from '../package-info.js'

/** Where `npm install` builds the addon (native/build.mjs, node-gyp). */
export const addonFile = 'native/build/Release/btfs_native.node'

/**
 * Path of the native addon: $BTFS_TS_NATIVE_ADDON if set, else the package's own build.
 * Undefined when it was not built (no toolchain): callers then use their portable code.
 */
export function addonPath (): string | undefined {
  const env = process.env.BTFS_TS_NATIVE_ADDON
  if (env !== undefined && env !== '') return env
  const built = join(packageRoot, addonFile)
  return existsSync(built) ? built : undefined
}

/**
 * Loads the addon at `path` (default: addonPath()); throws a plain Error with a readable reason
 * when it cannot. Node caches the module, so every caller shares one instance.
 */
export function loadAddon<T> (path = addonPath()): T {
  if (path === undefined) throw new Error(`${addonFile} not built (npm install runs native/build.mjs)`)
  return createRequire(import.meta.url)(path) as T
}
