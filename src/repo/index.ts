export { Repo, readConfigFile, writeConfigFile, type InitResult } from './repo.js'
export { repoPaths, resolveRepoPath, repoVersion, type RepoPaths } from './paths.js'
export { acquireLock, liveLockOwner, readLockOwner, type LockOwner, type RepoLock } from './lock.js'
export { writeFileAtomic, type Identity } from './identity.js'
