export { AppError, isAppError } from './app-error.js'
export { errorRegistry, type ErrorCode } from './registry.js'
