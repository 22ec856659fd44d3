/**
 * Reads an image from an oci-archive (a tar of an OCI layout): the tar is extracted into a temp
 * folder (safely) and read with the oci layout source; the folder is removed on close.
 */
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { ImageNotFoundError, SkiffError, isNotFound } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { makeTempDir } from '../../util/temp-owner.js'
import type { ImageReference, ImageSource, TransportOptions } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { INDEX_FILE } from '../oci-layout/layout.js'
import { OciImageSource, type OciSelector } from '../oci-layout/source.js'
import { extractTar } from './extract.js'
import type { Signature } from '../../signature/types.js'

export class OciArchiveImageSource implements ImageSource {
  private constructor(
    readonly reference: ImageReference,
    private readonly inner: OciImageSource,
    private readonly tempDir: string,
  ) {}

  static async open(
    reference: ImageReference,
    file: string,
    sel: OciSelector,
    opts: TransportOptions = {},
  ): Promise<OciArchiveImageSource> {
    const image = reference.toString()
    try {
      const st = await stat(file)
      if (!st.isFile()) throw new SkiffError('ERR_INVALID_ARGUMENT', `${image}: ${file} is not a file`, { image })
    } catch (e) {
      if (isNotFound(e))
        throw new ImageNotFoundError(`${image}: the archive ${file} does not exist`, { image, cause: e })
      throw e
    }
    const tempDir = await makeTempDir(opts.tmpdir, 'skiff-oci-archive')
    registerTempPath(tempDir)
    try {
      try {
        await extractTar(file, tempDir, image)
      } catch (e) {
        if (e instanceof SkiffError) throw e
        throw new SkiffError('ERR_INVALID_LAYOUT', `${image}: cannot read the archive: ${(e as Error).message}`, {
          image,
          cause: e,
        })
      }
      if (
        !(await stat(join(tempDir, INDEX_FILE)).then(
          () => true,
          () => false,
        ))
      ) {
        throw new SkiffError('ERR_INVALID_LAYOUT', `${image}: ${file} is not an OCI archive (it has no index.json)`, {
          image,
        })
      }
      const inner = await OciImageSource.open(reference, tempDir, sel, {})
      return new OciArchiveImageSource(reference, inner, tempDir)
    } catch (e) {
      await rm(tempDir, { recursive: true, force: true })
      unregisterTempPath(tempDir)
      throw e
    }
  }

  getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string; digest: Digest }> {
    return this.inner.getManifest(instance)
  }

  getBlob(info: BlobInfo): Promise<{ stream: Readable; size: number }> {
    return this.inner.getBlob(info)
  }

  getSignatures(): Promise<Signature[]> {
    return this.inner.getSignatures()
  }

  async close(): Promise<void> {
    try {
      await this.inner.close()
    } finally {
      await rm(this.tempDir, { recursive: true, force: true })
      unregisterTempPath(this.tempDir)
    }
  }
}
