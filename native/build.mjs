// Builds native/build/Release/btfs_native.node with node-gyp; run by the
// package's "install" script. Never fails the install unless --strict: when
// the build fails the portable code is used at run time (src/native/addon.ts).
//   node native/build.mjs [--strict]
// Env: BTFS_TS_NATIVE_SKIP_BUILD=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
const log = (msg) => console.error(`[btfs-ts native] ${msg}`);

function findNodeGyp() {
  // npm exports its bundled node-gyp to lifecycle scripts.
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {}
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm',
    'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(bundled) ? bundled : undefined;
}

function main() {
  if (process.env.BTFS_TS_NATIVE_SKIP_BUILD === '1') {
    log('native build skipped by environment; portable code will be used');
    return 0;
  }
  const gyp = findNodeGyp();
  if (!gyp) {
    log('node-gyp not found; portable code will be used');
    return strict ? 1 : 0;
  }
  const args = [gyp, 'rebuild'];
  // Use the headers installed next to this node binary instead of downloading
  // them (no download is possible offline), unless a nodedir was configured.
  const prefix = dirname(dirname(process.execPath));
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
    args.push(`--nodedir=${prefix}`);
  }
  const r = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
  if (r.status !== 0) {
    log(`node-gyp failed (status ${r.status}); portable code will be used`);
    return strict ? 1 : 0;
  }
  try {
    const addon = createRequire(import.meta.url)(join(here, 'build', 'Release', 'btfs_native.node'));
    log(`native addon built; SIMD levels: ${addon.levels().join(', ')}`);
  } catch (e) {
    log(`built addon does not load (${e.message}); portable code will be used`);
    return strict ? 1 : 0;
  }
  return 0;
}

process.exitCode = main();
