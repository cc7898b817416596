import { readFile, unlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { AppError } from '../errors/index.js'

/** What a lock file says about its owner. */
export interface LockOwner {
  pid: number
  hostname: string
  command: string
  startedAt: string
}

/** A held repo lock; `release()` is idempotent. */
export interface RepoLock {
  readonly owner: LockOwner
  release: () => Promise<void>
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Reads the lock file; undefined when there is none or it is unreadable. */
export async function readLockOwner (lockPath: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(lockPath, 'utf8')) as LockOwner
  } catch {
    return undefined
  }
}

/** The live owner of the lock, or undefined when the lock is free or stale. */
export async function liveLockOwner (lockPath: string): Promise<LockOwner | undefined> {
  const owner = await readLockOwner(lockPath)
  if (owner === undefined) return undefined
  if (owner.hostname !== hostname()) return owner
  return isAlive(owner.pid) ? owner : undefined
}

/**
 * Takes the repo lock (a file created with O_EXCL holding the owner's pid). A lock left by a
 * process that no longer runs on this host is stale and is taken over; a live one fails with
 * REPO_LOCKED naming the repo and the other process.
 */
export async function acquireLock (repoRoot: string, lockPath: string, command: string): Promise<RepoLock> {
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), command, startedAt: new Date().toISOString() }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lockPath, JSON.stringify(owner) + '\n', { flag: 'wx', mode: 0o600 })
      let released = false
      return {
        owner,
        release: async () => {
          if (released) return
          released = true
          await unlink(lockPath).catch(() => {})
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const other = await liveLockOwner(lockPath)
    if (other !== undefined) {
      throw new AppError('REPO_LOCKED',
        `repo ${repoRoot} is locked by another btfs-ts process (pid ${other.pid} on ${other.hostname}, "${other.command}", since ${other.startedAt}); ` +
        `stop it or use another --repo (if no such process runs, remove ${lockPath})`,
        { details: { repo: repoRoot, pid: other.pid, hostname: other.hostname } })
    }
    await unlink(lockPath).catch(() => {})
  }
  throw new AppError('REPO_LOCKED', `could not take the lock of repo ${repoRoot}: it keeps changing hands`)
}
