/**
 * Writes an image as an oci-archive: an oci layout destination on a temp folder; commit() tars the
 * layout into a temp file beside PATH and renames it to PATH. close() removes the temp folder.
 */
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Readable } from 'node:stream'
import { SkiffError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { makeTempDir } from '../../util/temp-owner.js'
import { checkNameLength, isWriteFailure, writeError } from '../../util/write-error.js'
import type { DestinationProperties, ImageDestination, ImageReference, PutBlobOptions, TransportOptions } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { OciImageDestination } from '../oci-layout/destination.js'
import type { OciSelector } from '../oci-layout/source.js'
import { packDirToFile } from './pack.js'

export class OciArchiveImageDestination implements ImageDestination {
  private committed = false
  private closed = false

  private constructor(
    readonly reference: ImageReference,
    private readonly inner: OciImageDestination,
    private readonly tempDir: string,
    private readonly file: string,
  ) {}

  get properties(): DestinationProperties {
    return this.inner.properties
  }

  static async open(reference: ImageReference, file: string, sel: OciSelector, opts: TransportOptions = {}): Promise<OciArchiveImageDestination> {
    checkNameLength(file, reference.toString())
    const tempDir = await makeTempDir(opts.tmpdir, 'skiff-oci-archive')
    registerTempPath(tempDir)
    try {
      const { sharedBlobDir: _notForArchives, ...innerOpts } = opts
      const inner = await OciImageDestination.open(reference, tempDir, sel, innerOpts)
      return new OciArchiveImageDestination(reference, inner, tempDir, file)
    } catch (e) {
      await rm(tempDir, { recursive: true, force: true })
      unregisterTempPath(tempDir)
      throw e
    }
  }

  tryReusingBlob(info: BlobInfo): Promise<BlobInfo | undefined> {
    return this.inner.tryReusingBlob(info)
  }

  putBlob(stream: Readable, info: BlobInfo, opts?: PutBlobOptions): Promise<BlobInfo> {
    return this.inner.putBlob(stream, info, opts).catch((e: unknown) => this.tempFailure(e))
  }

  putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    return this.inner.putManifest(bytes, mediaType, instance).catch((e: unknown) => this.tempFailure(e))
  }

  /** A write failure in the temp layout names --tmpdir, not the temp folder's random name. */
  private tempFailure(e: unknown): never {
    throw isWriteFailure(e) ? writeError(e, `a temp file in ${dirname(this.tempDir)}`, this.reference.toString()) : e
  }

  putSignatures(signatures: Buffer[]): Promise<void> {
    return this.inner.putSignatures(signatures)
  }

  async commit(): Promise<void> {
    if (this.committed) return
    if (this.closed) throw new SkiffError('ERR_INVALID_ARGUMENT', `${this.reference.toString()}: commit() after close()`, { image: this.reference.toString() })
    await this.inner.commit().catch((e: unknown) => this.tempFailure(e))
    try {
      await packDirToFile(this.tempDir, this.file)
    } catch (e) {
      const image = this.reference.toString()
      throw writeError(e, this.file, image)
    }
    this.committed = true
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      await this.inner.close()
    } finally {
      await rm(this.tempDir, { recursive: true, force: true })
      unregisterTempPath(this.tempDir)
    }
  }
}
