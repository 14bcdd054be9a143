/**
 * @module Validation of user-supplied relative paths (artifact names and the like).
 */
import { KeelError } from './errors.js'

/**
 * Returns `name` normalised to a relative POSIX path, or throws
 * ARTIFACT_NAME_INVALID when it could leave the directory it is relative to.
 */
export function safeRelativePath(name: string): string {
  const reason = unsafeReason(name)
  if (reason !== undefined) throw new KeelError('ARTIFACT_NAME_INVALID', `artifact name ${JSON.stringify(name)} ${reason}`)
  return name
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/')
}

function unsafeReason(name: string): string | undefined {
  if (name.length === 0 || name.length > 1024) return 'must be 1-1024 characters'
  if (name.includes('\0')) return 'contains a NUL byte'
  if (name.includes('\\')) return 'contains a backslash'
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return 'is an absolute path'
  const parts = name.split('/')
  if (parts.includes('..')) return 'contains `..`'
  if (parts.every((p) => p === '' || p === '.')) return 'names no file'
  return undefined
}
