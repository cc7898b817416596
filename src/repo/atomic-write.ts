import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/**
 * Writes `data` to `path` so that a reader, a crash or a concurrent writer only ever sees the
 * old file or the new one, whole: the bytes go to a temp file of its own in the same folder
 * (a random name, created exclusively: two writers in one process never share it), are
 * fsynced, the temp file is renamed over `path`, and the folder is fsynced so the rename itself
 * survives a power cut. Concurrent calls on one path end with one of the contents, never a mix
 * and never an error from another call's temp file. On failure the temp file is removed.
 */
export async function writeFileAtomic (path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`)
  const file = await open(tmp, 'wx', mode)
  try {
    try {
      await file.writeFile(data)
      await file.chmod(mode) // the umask may have narrowed or widened what open() set
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  await syncDirectory(dir)
}

/** fsyncs a folder (its entries: a rename into it); platforms that cannot open folders skip it. */
async function syncDirectory (dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
  } catch {
    return
  }
  try {
    await handle.sync()
  } catch (err) {
    // EINVAL/EISDIR: the file system does not fsync folders (some network and Windows ones)
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err
  } finally {
    await handle.close()
  }
}
