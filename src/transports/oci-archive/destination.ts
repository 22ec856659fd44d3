/**
 * Writes an image as an oci-archive: an oci layout destination on a temp folder; commit() tars the
 * layout into a temp file beside PATH and renames it to PATH. close() removes the temp folder.
 */
import { rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Readable } from 'node:stream'
import type { Digest } from '../../digest/digest.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { makeTempDir } from '../../util/temp-owner.js'
import { checkNameLength, writeError } from '../../util/write-error.js'
import type { DestinationProperties, ImageReference, PutBlobOptions, TransportOptions } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { StagedDestination } from '../shared/staged-destination.js'
import { OciImageDestination } from '../oci-layout/destination.js'
import type { OciSelector } from '../oci-layout/source.js'
import { packDirToFile } from './pack.js'
import type { Signature } from '../../signature/types.js'

export class OciArchiveImageDestination extends StagedDestination {
  private constructor(
    reference: ImageReference,
    private readonly inner: OciImageDestination,
    private readonly tempDir: string,
    private readonly file: string,
  ) {
    super(reference)
  }

  get properties(): DestinationProperties {
    return this.inner.properties
  }

  static async open(
    reference: ImageReference,
    file: string,
    sel: OciSelector,
    opts: TransportOptions = {},
  ): Promise<OciArchiveImageDestination> {
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

  async putBlob(stream: Readable, info: BlobInfo, opts?: PutBlobOptions): Promise<BlobInfo> {
    this.assertOpen('putBlob()')
    return this.inner.putBlob(stream, info, opts).catch((e: unknown) => this.tempFailure(e))
  }

  async putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    this.assertOpen('putManifest()')
    return this.inner.putManifest(bytes, mediaType, instance).catch((e: unknown) => this.tempFailure(e))
  }

  /** A write failure in the temp layout names --tmpdir, not the temp folder's random name. */
  private tempFailure(e: unknown): never {
    throw this.writeFailure(e, `a temp file in ${dirname(this.tempDir)}`)
  }

  async putSignatures(signatures: Signature[]): Promise<void> {
    this.assertOpen('putSignatures()')
    return this.inner.putSignatures(signatures)
  }

  /** Commits the temp layout, then tars it into a temp file beside PATH renamed to PATH. */
  protected async publish(): Promise<void> {
    await this.inner.commit().catch((e: unknown) => this.tempFailure(e))
    try {
      await packDirToFile(this.tempDir, this.file)
    } catch (e) {
      throw writeError(e, this.file, this.image)
    }
  }

  /** Nothing beyond the temp layout, which release() removes either way. */
  protected async discard(): Promise<void> {}

  protected override async release(): Promise<void> {
    try {
      await this.inner.close()
    } finally {
      await rm(this.tempDir, { recursive: true, force: true })
      unregisterTempPath(this.tempDir)
    }
  }
}
