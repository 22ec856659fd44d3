/**
 * One-line errors for failed local writes: what went wrong, the path the user named (not a temp
 * name), the image, and what to do. The original error stays as `cause` (its `code`, e.g. EPIPE,
 * is what a caller branches on).
 */
import { type MessageWithOptions, SkiffError, opt, withOptions } from '../errors.js'

function errnoCode(e: unknown): string | undefined {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    const code = (c as NodeJS.ErrnoException).code
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && !code.startsWith('ERR_')) return code
  }
  return undefined
}

/** The message for a write error with errno `code` at `path`, or undefined when there is nothing specific to say. */
function describe(code: string | undefined, path: string): string | MessageWithOptions | undefined {
  switch (code) {
    case 'ENOSPC':
      return withOptions`no space left on device writing ${path}; free some space or write elsewhere (temp files go to ${opt('tmpdir')})`
    case 'EDQUOT':
      return `disk quota exceeded writing ${path}; free some space or write elsewhere`
    case 'ENAMETOOLONG':
      return `file name too long: ${path}; choose a shorter name`
    case 'EPIPE':
      return `the reader of ${path} went away before the end (broken pipe)`
    case 'EROFS':
      return `cannot write ${path}: read-only file system`
    case 'EACCES':
    case 'EPERM':
      return `cannot write ${path}: permission denied`
    case 'ENXIO':
      return `cannot write ${path}: nobody reads it (a socket or a FIFO without a reader)`
    default:
      return undefined
  }
}

/** Turns an error from writing `path` for `image` into a SkiffError (SkiffErrors pass through unless a system error hides inside). */
export function writeError(e: unknown, path: string, image: string): SkiffError {
  const code = errnoCode(e)
  const text = describe(code, path)
  if (text !== undefined) return new SkiffError('ERR_IO', withOptions`${image}: ${text}`, { image, cause: e })
  if (e instanceof SkiffError) return e
  return new SkiffError('ERR_IO', `${image}: cannot write ${path}: ${(e as Error)?.message ?? String(e)}`, {
    image,
    cause: e,
  })
}

const WRITE_ONLY = new Set(['ENOSPC', 'EDQUOT', 'EPIPE', 'EROFS'])

/** Whether `e` (or a cause) is a system error only a write can give (out of space, broken pipe, read-only). */
export function isWriteFailure(e: unknown): boolean {
  const code = errnoCode(e)
  return code !== undefined && WRITE_ONLY.has(code)
}

/** NAME_MAX of Linux file systems: a longer file name cannot be created anywhere. */
const NAME_MAX = 255

/**
 * Refuses up front (before any byte is copied) a path whose file name or any folder name is longer
 * than the file system allows, in writeError's words.
 */
export function checkNameLength(path: string, image: string): void {
  for (const part of path.split('/')) {
    if (Buffer.byteLength(part) > NAME_MAX) {
      const e = Object.assign(new Error(`name too long: ${path}`), { code: 'ENAMETOOLONG' })
      throw writeError(e, path, image)
    }
  }
}
