import { Transform, type TransformCallback } from 'node:stream'
import type { Hash } from 'node:crypto'
import { DigestMismatchError, SkiffError } from '../errors.js'
import { newHasher, parseDigest, digestOf, type Digest } from './digest.js'

/**
 * A pass-through stream that hashes and counts what flows through it. With `expected`, it fails in
 * `flush` when the digest or size differs, so a `stream.pipeline` rejects and the writer discards.
 * This is the one place blob content is verified.
 */
export class DigestingStream extends Transform {
  private readonly hash: Hash
  private readonly algorithm: string
  private bytes = 0
  private result: Digest | undefined

  /**
   * `trusted`: the digest is already being verified upstream (the copy engine's verifier fails the
   * stream before its end otherwise), so only count bytes and report this digest: saves a hash pass.
   */
  constructor(
    private readonly expected: {
      digest?: Digest | undefined
      size?: number | undefined
      what: string
      trusted?: Digest | undefined
    } = { what: 'blob' },
  ) {
    super()
    this.algorithm = expected.digest ? parseDigest(expected.digest).algorithm : 'sha256'
    this.hash = newHasher(this.algorithm)
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length
    const { size } = this.expected
    if (size !== undefined && size >= 0 && this.bytes > size) {
      cb(
        new SkiffError(
          'ERR_SIZE_MISMATCH',
          `${this.expected.what}: more data than the expected ${size} bytes; the source is corrupt`,
        ),
      )
      return
    }
    if (!this.expected.trusted) this.hash.update(chunk)
    cb(null, chunk)
  }

  override _flush(cb: TransformCallback): void {
    this.result = this.expected.trusted ?? `${this.algorithm}:${this.hash.digest('hex')}`
    const { digest, size, what } = this.expected
    if (size !== undefined && size >= 0 && this.bytes !== size) {
      cb(
        new SkiffError(
          'ERR_SIZE_MISMATCH',
          `${what}: size mismatch: expected ${size} bytes, got ${this.bytes}; the source is corrupt or truncated`,
        ),
      )
      return
    }
    if (digest !== undefined && digest !== this.result) {
      cb(new DigestMismatchError(digest, this.result, what))
      return
    }
    cb()
  }

  /** Available after the stream has ended. */
  get digest(): Digest {
    if (this.result === undefined) throw new Error('DigestingStream: digest read before end of stream')
    return this.result
  }

  get size(): number {
    return this.bytes
  }
}

/** Verifies bytes held in memory (manifests, configs) against a digest. */
export function verifyBytes(bytes: Uint8Array, expected: Digest, what: string): void {
  const { algorithm } = parseDigest(expected)
  const actual = digestOf(bytes, algorithm)
  if (actual !== expected) throw new DigestMismatchError(expected, actual, what)
}
