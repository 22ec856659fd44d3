/**
 * The lifecycle every staged destination shares (src/transports/types.ts, ImageDestination):
 *
 *   open ── putBlob / tryReusingBlob ── putManifest(s) ── putSignatures ──▶ commit() ──▶ close()
 *     └──────────────────────────────────────────────────────────────────────────────▶ close()
 *
 * - commit() publishes once: a second call (or one while the first is running) gets the same
 *   result; commit() after close() is refused. A failed commit leaves the destination open, so
 *   close() still discards what was staged.
 * - close() without a successful commit discards everything the destination created; close() is
 *   idempotent and always releases resources.
 * - putBlob/putManifest/putSignatures after commit() or close() are refused: there is no staging
 *   left to write into, and a write then could only leave something behind.
 *
 * Transports implement what differs — where they stage (`publish`, `discard`, `release`) — and use
 * the helpers for what is the same everywhere (blob files, write-error wording, manifest digests).
 */
import type { Readable } from 'node:stream'
import { DigestMismatchError, SkiffError } from '../../errors.js'
import { digestOf, parseDigest, type Digest } from '../../digest/digest.js'
import { writeBlobFile } from '../../util/blob-file.js'
import { isWriteFailure, writeError } from '../../util/write-error.js'
import type { BlobInfo } from '../../manifest/types.js'
import type {
  DestinationProperties,
  ImageDestination,
  ImageReference,
  PutBlobOptions,
  PutManifestOptions,
  ReuseOptions,
} from '../types.js'
import type { Signature } from '../../signature/types.js'

/** The top-level manifest as stored (what the reference will name once committed). */
export interface StagedManifest {
  digest: Digest
  mediaType: string
  size: number
}

type Phase = 'open' | 'committed' | 'discarded' | 'released'

export abstract class StagedDestination implements ImageDestination {
  abstract readonly properties: DestinationProperties
  /** The top-level manifest, once putManifest stored it (set by the transport). */
  protected topManifest: StagedManifest | undefined
  private phase: Phase = 'open'
  private committing: Promise<void> | undefined

  protected constructor(readonly reference: ImageReference) {}

  protected get image(): string {
    return this.reference.toString()
  }

  /** commit() succeeded (the image is visible). */
  protected get isCommitted(): boolean {
    return this.phase === 'committed' || this.phase === 'released'
  }

  /** close() ran without a commit: everything staged is gone. */
  protected get isDiscarded(): boolean {
    return this.phase === 'discarded'
  }

  /** Refuses a write once the destination is committed or closed. */
  protected assertOpen(what: string): void {
    if (this.phase === 'open') return
    const when = this.phase === 'discarded' ? 'close()' : 'commit()'
    throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.image}: ${what} after ${when}`, { image: this.image })
  }

  /** The stored top-level manifest; commit() without one is refused. */
  protected requireTopManifest(): StagedManifest {
    const top = this.topManifest
    if (!top)
      throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.image}: commit() before the manifest was stored`, {
        image: this.image,
      })
    return top
  }

  /** A write failure (ENOSPC, EROFS, …) in the user's terms: the path they named and the image. */
  protected writeFailure(e: unknown, where: string): unknown {
    return isWriteFailure(e) ? writeError(e, where, this.image) : e
  }

  /**
   * Streams a blob into a temp file `temp` (owner-tagged, beside it) and renames it to
   * `finalPath(digest)`; on any failure nothing is left. Returns what was written, with the
   * caller's media type.
   */
  protected async writeBlob(
    temp: string,
    stream: Readable,
    info: BlobInfo,
    opts: PutBlobOptions,
    where: string,
    finalPath: (digest: Digest) => Promise<string> | string,
  ): Promise<BlobInfo> {
    const what = `${this.image}: writing blob ${info.digest}`
    const wopts = { what, image: this.image, expectedDigest: opts.expectedDigest, signal: opts.signal, where }
    const written: BlobInfo = { ...(await writeBlobFile(temp, stream, wopts, finalPath)) }
    if (info.mediaType !== undefined) written.mediaType = info.mediaType
    return written
  }

  /** The digest of manifest bytes: an instance's must equal the digest it is stored under. */
  protected manifestDigest(bytes: Buffer, instance: Digest | undefined): Digest {
    const digest = digestOf(bytes, instance === undefined ? 'sha256' : parseDigest(instance).algorithm)
    if (instance !== undefined && digest !== instance) {
      throw new DigestMismatchError(instance, digest, `${this.image}: manifest of instance`)
    }
    return digest
  }

  abstract tryReusingBlob(info: BlobInfo, opts?: ReuseOptions): Promise<BlobInfo | undefined>
  abstract putBlob(stream: Readable, info: BlobInfo, opts?: PutBlobOptions): Promise<BlobInfo>
  abstract putManifest(bytes: Buffer, mediaType: string, instance?: Digest, opts?: PutManifestOptions): Promise<void>
  abstract putSignatures(signatures: Signature[], instance?: Digest): Promise<void>

  /** Makes the staged image visible under its name. Called at most once at a time, never after close. */
  protected abstract publish(): Promise<void>

  /** Removes everything this destination created. Called once, by close() without a commit. */
  protected abstract discard(): Promise<void>

  /** Frees what the destination holds (connections, temp folders), committed or not. Called once. */
  protected release(): Promise<void> {
    return Promise.resolve()
  }

  commit(): Promise<void> {
    if (this.isCommitted) return Promise.resolve()
    if (this.phase !== 'open') {
      return Promise.reject(
        new SkiffError('ERR_INVALID_ARGUMENT', `${this.image}: commit() after close()`, { image: this.image }),
      )
    }
    this.committing ??= this.publish().then(
      () => {
        this.phase = 'committed'
      },
      (e: unknown) => {
        this.committing = undefined
        throw e
      },
    )
    return this.committing
  }

  private get isClosed(): boolean {
    return this.phase === 'discarded' || this.phase === 'released'
  }

  async close(): Promise<void> {
    if (this.isClosed) return
    // A commit still running finishes first: its outcome decides what close() does.
    await this.committing?.catch(() => undefined)
    if (this.isClosed) return
    const committed = this.isCommitted
    this.phase = committed ? 'released' : 'discarded'
    try {
      if (!committed) await this.discard()
    } finally {
      await this.release()
    }
  }
}
