/**
 * The blob pipeline: reuse → read → verify → (de)compress → write, with one transfer in flight per
 * digest. This is the one place blob content is verified against the manifest.
 */
import { PassThrough, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { isWriteFailure } from '../util/write-error.js'
import { SkiffError } from '../errors.js'
import { DigestingStream } from '../digest/verify.js'
import { newHasher, type Digest } from '../digest/digest.js'
import { compressor, decompressor, detectCompression, peek, type Compression } from '../compression/compression.js'
import type { ImageDestination, ImageSource } from '../transports/types.js'
import type { BlobInfo } from '../manifest/types.js'
import type { CompressionFormat } from './options.js'
import type { CopyEvent } from './events.js'
import type { SharedCopyState } from './shared-state.js'
import { MAX_CONFIG_SIZE, sizeLimitMessage } from '../util/limits.js'

/** What to do with a layer's compression. */
export interface LayerCompressionPolicy {
  /** 'preserve' | 'compress' (uncompressed → format; with `force`, other formats are recompressed) | 'decompress' */
  mode: 'preserve' | 'compress' | 'decompress'
  format: CompressionFormat
  level?: number
  /** The format was asked for explicitly: recompress layers in another format. */
  force: boolean
}

export interface CopiedBlob extends BlobInfo {
  /** Actual compression of the bytes written. */
  compression: Compression
  /** Digest of the uncompressed content, when it was computed. */
  uncompressedDigest?: Digest
  reused: boolean
}

export interface BlobRequest {
  info: BlobInfo
  kind: 'layer' | 'config'
  /** Compute the uncompressed digest (schema1 conversion needs DiffIDs). */
  needUncompressedDigest?: boolean
  compression?: LayerCompressionPolicy
  signal?: AbortSignal
  /** Where this blob's events go instead of the copier's (copy/single.ts holds a config's back until its layers are done). */
  emit?: (e: CopyEvent) => void
}

/** Hashes what flows through it after decompression, on a side branch, with backpressure. */
class UncompressedDigestTap extends Transform {
  private readonly side: Transform
  private readonly hash = newHasher()
  private readonly sideDone: Promise<void>
  constructor(c: Compression) {
    super()
    this.side = decompressor(c)
    this.side.on('data', (d: Buffer) => this.hash.update(d))
    this.sideDone = new Promise((resolve, reject) => {
      this.side.on('end', resolve)
      this.side.on('error', reject)
    })
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (this.side.write(chunk)) cb(null, chunk)
    else this.side.once('drain', () => cb(null, chunk))
  }
  override _flush(cb: TransformCallback): void {
    this.side.end()
    this.sideDone.then(
      () => cb(),
      (e: Error) =>
        cb(new SkiffError('ERR_COMPRESSION', `layer is not valid compressed data: ${e.message}`, { cause: e })),
    )
  }
  get digest(): Digest {
    return `sha256:${this.hash.digest('hex')}`
  }
}

/** Emits throttled progress events. */
class ProgressTap extends Transform {
  private bytes = 0
  private last = 0
  constructor(
    private readonly digest: Digest,
    private readonly report: (e: CopyEvent) => void,
  ) {
    super()
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length
    const now = Date.now()
    if (now - this.last >= 100) {
      this.last = now
      this.report({ type: 'blob-progress', digest: this.digest, bytes: this.bytes })
    }
    cb(null, chunk)
  }
}

type Op =
  | { kind: 'keep' }
  | { kind: 'decompress'; from: Compression }
  | { kind: 'compress'; to: CompressionFormat; from: Compression }

export function planOp(actual: Compression, p: LayerCompressionPolicy | undefined): Op {
  if (!p || p.mode === 'preserve') return { kind: 'keep' }
  if (p.mode === 'decompress') return actual === 'none' ? { kind: 'keep' } : { kind: 'decompress', from: actual }
  if (actual === 'none') return { kind: 'compress', to: p.format, from: 'none' }
  if (p.force && actual !== p.format) return { kind: 'compress', to: p.format, from: actual }
  return { kind: 'keep' }
}

export function compressionFromMediaType(mediaType: string | undefined): Compression | undefined {
  if (!mediaType) return undefined
  if (/(\+|\.)gzip$/.test(mediaType)) return 'gzip'
  if (/(\+|\.)zstd$/.test(mediaType)) return 'zstd'
  if (/\.tar$|\.v1\.tar$/.test(mediaType)) return 'none'
  return undefined
}

/**
 * Copies blobs from one source to one destination. Shared by every image of one copy (a list's
 * instances), so a blob shared by several instances moves once.
 */
export class BlobCopier {
  private readonly inFlight = new Map<string, Promise<CopiedBlob>>()

  constructor(
    private readonly src: ImageSource,
    private readonly dest: ImageDestination,
    private readonly emit: (e: CopyEvent) => void = () => {},
    /** Shared with the other copies of this process (sync): one transfer per blob per store. */
    private readonly shared?: SharedCopyState,
  ) {}

  copy(req: BlobRequest): Promise<CopiedBlob> {
    const c = req.kind === 'config' ? undefined : req.compression
    const key = `${req.info.digest}|${c?.mode ?? 'preserve'}|${c?.format ?? ''}|${c?.level ?? ''}|${c?.force ? 'f' : ''}|${req.needUncompressedDigest ? 'u' : ''}`
    let p = this.inFlight.get(key)
    if (!p) {
      const store = this.dest.blobStoreId
      p =
        this.shared && store
          ? this.shared.run(
              store,
              key,
              () => this.copyOnce(req),
              (done) => this.reuseEarlier(done, req),
              req.signal,
            )
          : this.copyOnce(req)
      if (this.shared && this.dest.localBlobPath) p = p.then((done) => this.rememberLocal(done))
      this.inFlight.set(key, p)
      p.catch(() => this.inFlight.delete(key))
    }
    return p
  }

  /** Tells the shared state where this destination keeps the blob, so later images can hardlink it. */
  private rememberLocal(done: CopiedBlob): CopiedBlob {
    const dest = this.dest
    const digest = done.digest
    this.shared!.rememberLocalBlob(digest, () => dest.localBlobPath!(digest))
    return done
  }

  /** Reuses what another copy of this process stored for the same request (same blob store). */
  private async reuseEarlier(done: CopiedBlob, req: BlobRequest): Promise<CopiedBlob | undefined> {
    const emit = req.emit ?? this.emit
    const { info, kind } = req
    const earlierPath = await this.shared?.findLocalBlob(done.digest)
    const reused = await this.dest.tryReusingBlob(
      { ...info, digest: done.digest, size: done.size },
      { ...(req.signal ? { signal: req.signal } : {}), ...(earlierPath ? { earlierPath } : {}) },
    )
    if (!reused) return undefined
    emit({ type: 'blob-start', kind, digest: info.digest, size: info.size })
    emit({ type: 'blob-done', kind, digest: info.digest, size: done.size, reused: true })
    const out: CopiedBlob = {
      ...info,
      digest: done.digest,
      size: done.size,
      compression: done.compression,
      reused: true,
    }
    if (done.uncompressedDigest) out.uncompressedDigest = done.uncompressedDigest
    return out
  }

  /** The source's local file for a blob (hardlink reuse); an optimization, so failures are ignored. */
  private async localSourcePath(info: BlobInfo): Promise<string | undefined> {
    if (!this.src.localBlobPath) return undefined
    try {
      return await this.src.localBlobPath(info)
    } catch {
      return undefined
    }
  }

  private async copyOnce(req: BlobRequest): Promise<CopiedBlob> {
    const emit = req.emit ?? this.emit
    const { info, kind } = req
    emit({ type: 'blob-start', kind, digest: info.digest, size: info.size })
    const declared = compressionFromMediaType(info.mediaType)
    // Reuse first, when the blob would be stored as it is.
    const declaredOp = planOp(declared ?? 'none', kind === 'config' ? undefined : req.compression)
    if (declaredOp.kind === 'keep' && !req.needUncompressedDigest) {
      const sourcePath = await this.localSourcePath(info)
      const earlierPath = await this.shared?.findLocalBlob(info.digest)
      const reused = await this.dest.tryReusingBlob(info, {
        signal: req.signal,
        ...(sourcePath ? { sourcePath } : {}),
        ...(earlierPath ? { earlierPath } : {}),
      })
      if (reused) {
        emit({ type: 'blob-done', kind, digest: info.digest, size: reused.size, reused: true })
        return { ...info, ...reused, compression: declared ?? 'none', reused: true }
      }
    }
    const { stream: raw, size } = await this.src.getBlob(info, { signal: req.signal })
    const verifier = new DigestingStream({
      digest: info.digest,
      size: info.size >= 0 ? info.size : size >= 0 ? size : undefined,
      what: `${kind} ${info.digest}`,
    })
    const { head, stream: input } = await peek(raw, 8)
    const actual = kind === 'config' ? 'none' : detectCompression(head)
    const op = kind === 'config' ? ({ kind: 'keep' } as Op) : planOp(actual, req.compression)
    const stages: Transform[] = [verifier]
    let tap: UncompressedDigestTap | undefined
    let inputDigester: DigestingStream | undefined
    if (op.kind === 'keep' && req.needUncompressedDigest && actual !== 'none') {
      tap = new UncompressedDigestTap(actual)
      stages.push(tap)
    }
    if (op.kind === 'decompress' || (op.kind === 'compress' && op.from !== 'none')) stages.push(decompressor(op.from))
    if (op.kind === 'compress') {
      if (req.needUncompressedDigest) {
        inputDigester = new DigestingStream({ what: 'layer' })
        stages.push(inputDigester)
      }
      stages.push(compressor(op.to, req.compression?.level))
    }
    stages.push(new ProgressTap(info.digest, emit))
    const out = new PassThrough()
    // A destination may destroy `out` with an error of its own (an abort) before or after it pipes
    // from it; that error reaches us through putBlob's rejection, so it must not also be an
    // unhandled 'error' event that crashes the process.
    out.on('error', () => {})
    const run = pipeline as unknown as (...args: unknown[]) => Promise<void>
    const flowing = run(input, ...stages, out, req.signal ? { signal: req.signal } : {})
    flowing.catch(() => {}) // observed below; avoid an unhandled rejection while putBlob runs
    const outCompression: Compression = op.kind === 'keep' ? actual : op.kind === 'decompress' ? 'none' : op.to
    const sizeKnown = op.kind === 'keep' ? (info.size >= 0 ? info.size : size) : -1
    let written: BlobInfo
    try {
      written = await this.dest.putBlob(
        out,
        { ...info, size: sizeKnown },
        {
          isConfig: kind === 'config',
          ...(op.kind === 'keep' ? { expectedDigest: info.digest } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
        },
      )
      await flowing
    } catch (e) {
      out.destroy()
      // The pipeline's own error wins (a source failure is the cause) unless it is only the echo of
      // out.destroy() above, or the destination failed writing (ENOSPC, EPIPE, …, which also
      // destroys `out` with the raw system error): then the destination's error is the cause.
      const err = await flowing.then(
        () => e,
        (pe: unknown) => (isTeardownError(pe) || isWriteFailure(e) ? e : pe),
      )
      throw describeStreamError(err, info.digest, actual)
    }
    if (op.kind === 'keep' && written.digest !== info.digest) {
      throw new SkiffError(
        'ERR_DIGEST_MISMATCH',
        `${kind} ${info.digest}: the destination stored it as ${written.digest}`,
      )
    }
    let uncompressedDigest: Digest | undefined
    if (tap) uncompressedDigest = tap.digest
    else if (inputDigester) uncompressedDigest = inputDigester.digest
    else if (outCompression === 'none') uncompressedDigest = written.digest
    else if (actual === 'none') uncompressedDigest = verifier.digest
    emit({ type: 'blob-done', kind, digest: info.digest, size: written.size, reused: false })
    const result: CopiedBlob = {
      ...info,
      digest: written.digest,
      size: written.size,
      compression: outCompression,
      reused: false,
    }
    if (uncompressedDigest) result.uncompressedDigest = uncompressedDigest
    return result
  }
}

/** Errors a stream gets only because a later stage was torn down (not a cause of their own). */
function isTeardownError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code
  return (
    (e as Error)?.name === 'AbortError' ||
    code === 'ABORT_ERR' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'ERR_STREAM_DESTROYED'
  )
}

/** zlib / zstd failures become a clear ERR_COMPRESSION naming the layer. */
function describeStreamError(e: unknown, digest: Digest, compression: Compression): unknown {
  const code = (e as { code?: unknown })?.code
  const isCodec =
    typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR_ZSTD') || code.startsWith('ZSTD_'))
  if (
    !isCodec &&
    !(e instanceof Error && /zstd|Unknown frame descriptor|corrupted block/i.test(e.message) && compression === 'zstd')
  )
    return e
  return new SkiffError(
    'ERR_COMPRESSION',
    `layer ${digest} is not valid ${compression} data (${(e as Error).message}); the source image is corrupt`,
    { cause: e },
  )
}

/** Reads a whole small blob (a config) into memory, verified. */
export async function readSmallBlob(
  src: ImageSource,
  info: BlobInfo,
  what: string,
  signal?: AbortSignal,
  limit = MAX_CONFIG_SIZE,
): Promise<Buffer> {
  if (info.size > limit)
    throw new SkiffError('ERR_INVALID_ARGUMENT', `${what} is ${info.size} bytes: ${sizeLimitMessage(limit)}`)
  const { stream } = await src.getBlob(info, signal ? { signal } : {})
  const verifier = new DigestingStream({ digest: info.digest, size: info.size >= 0 ? info.size : undefined, what })
  const chunks: Buffer[] = []
  let n = 0
  await pipeline(stream, verifier, async function* (source: AsyncIterable<Buffer>) {
    for await (const c of source) {
      n += c.length
      if (n > limit) throw new SkiffError('ERR_INVALID_ARGUMENT', `${what}: ${sizeLimitMessage(limit)}`)
      chunks.push(c)
    }
  })
  return Buffer.concat(chunks)
}
