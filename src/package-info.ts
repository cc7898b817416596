import { readFileSync, existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Locates the btfs-ts package root (the folder with our package.json) from this module, so the
 * same code finds `config/default.json` and `api-spec/` whether it runs from `src/` (tests) or
 * from `dist/src/` (the built CLI).
 */
function findPackageRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'btfs-ts') return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error('btfs-ts package root not found above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
}

/** Absolute path of the installed btfs-ts package. */
export const packageRoot = findPackageRoot()

const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { name: string, version: string }

/** Name and version of this build, as reported by `/version` and `btfs-ts version`. */
export const packageInfo = { name: pkg.name, version: pkg.version }
