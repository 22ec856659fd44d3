/**
 * Errors as data: one base class with a stable `code`, subclasses only where a caller branches.
 * Messages name the image and say what to do; `exitCode` is what the CLI exits with.
 */
export type ErrorCode =
  | 'ERR_INVALID_REFERENCE'
  | 'ERR_UNKNOWN_TRANSPORT'
  | 'ERR_IMAGE_NOT_FOUND'
  | 'ERR_DIGEST_MISMATCH'
  | 'ERR_SIZE_MISMATCH'
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_MANIFEST_TYPE_REJECTED'
  | 'ERR_POLICY_DENIED'
  | 'ERR_POLICY_INVALID'
  | 'ERR_UNSUPPORTED'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_LAYOUT'
  | 'ERR_UNSAFE_PATH'
  | 'ERR_COMPRESSION'
  | 'ERR_PRESERVE_DIGESTS'
  | 'ERR_NO_MATCHING_PLATFORM'
  | 'ERR_ABORTED'
  | 'ERR_TIMEOUT'
  | 'ERR_IO'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_CREDENTIAL_HELPER'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_REGISTRY'
  | 'ERR_TLS'

export interface SkiffErrorOptions {
  cause?: unknown
  /** The image (transport:details) the error is about, when there is one. */
  image?: string
}

export class SkiffError extends Error {
  readonly code: ErrorCode
  readonly image?: string
  /** Process exit code the CLI uses: 2 for "image not found" (as skopeo), 1 otherwise. */
  get exitCode(): number {
    return this.code === 'ERR_IMAGE_NOT_FOUND' ? 2 : 1
  }

  constructor(code: ErrorCode, message: string, options: SkiffErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    if (options.image !== undefined) this.image = options.image
  }
}

export class InvalidReferenceError extends SkiffError {
  constructor(message: string, options?: SkiffErrorOptions) {
    super('ERR_INVALID_REFERENCE', message, options)
  }
}

export class ImageNotFoundError extends SkiffError {
  constructor(message: string, options?: SkiffErrorOptions) {
    super('ERR_IMAGE_NOT_FOUND', message, options)
  }
}

export class DigestMismatchError extends SkiffError {
  readonly expected: string
  readonly actual: string
  constructor(expected: string, actual: string, what: string, options?: SkiffErrorOptions) {
    super(
      'ERR_DIGEST_MISMATCH',
      `${what}: digest mismatch: expected ${expected}, got ${actual}; the source is corrupt or was modified while reading`,
      options,
    )
    this.expected = expected
    this.actual = actual
  }
}

export class ManifestTypeRejectedError extends SkiffError {
  readonly mediaType: string
  constructor(mediaType: string, message: string, options?: SkiffErrorOptions) {
    super('ERR_MANIFEST_TYPE_REJECTED', message, options)
    this.mediaType = mediaType
  }
}

export class PolicyDeniedError extends SkiffError {
  constructor(message: string, options?: SkiffErrorOptions) {
    super('ERR_POLICY_DENIED', message, options)
  }
}

export function isSkiffError(e: unknown): e is SkiffError {
  return e instanceof SkiffError
}

/** Node's "no such file" family, for turning ENOENT into ImageNotFound at the right places. */
export function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}
