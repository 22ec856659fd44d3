/**
 * Reads an image from skopeo's directory layout. Returns raw bytes; never verifies.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { ImageNotFoundError, SkiffError, isNotFound, isSkiffError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import type { ImageReference, ImageSource } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { realPathInside } from './local-path.js'
import { parseStoredSignature } from '../../signature/blob.js'
import type { Signature } from '../../signature/types.js'
import { blobFileCandidates, manifestFileName, signatureFileName } from './layout.js'
import { openBlobFile } from '../../util/blob-file.js'
import { MAX_MANIFEST_SIZE, MAX_SIGNATURE_SIZE, readFileAtMost, sizeLimitError } from '../../util/limits.js'

export class DirImageSource implements ImageSource {
  constructor(
    readonly reference: ImageReference,
    private readonly dir: string,
  ) {}

  private get image(): string {
    return this.reference.toString()
  }

  /** Opens the source; a missing directory or manifest.json is ImageNotFound. */
  static async open(reference: ImageReference, dir: string): Promise<DirImageSource> {
    const src = new DirImageSource(reference, dir)
    try {
      const st = await stat(dir)
      if (!st.isDirectory())
        throw new SkiffError('ERR_INVALID_LAYOUT', `${reference.toString()}: ${dir} is not a directory`, {
          image: reference.toString(),
        })
      await stat(join(dir, manifestFileName()))
    } catch (e) {
      if (isNotFound(e)) {
        throw new ImageNotFoundError(
          `${reference.toString()}: no image there (${dir} or its manifest.json does not exist)`,
          { image: reference.toString(), cause: e },
        )
      }
      throw e
    }
    return src
  }

  /** The real path of a file in the directory, refusing symlinks that leave it. */
  private async safePath(name: string): Promise<string> {
    return realPathInside(this.dir, join(this.dir, name), this.image)
  }

  async getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string }> {
    const name = manifestFileName(instance)
    try {
      const bytes = await readFileAtMost(await this.safePath(name), MAX_MANIFEST_SIZE, () =>
        sizeLimitError(`${this.image}: reading ${name}`, MAX_MANIFEST_SIZE, 'ERR_MANIFEST_INVALID', this.image),
      )
      return { bytes, mediaType: '' }
    } catch (e) {
      if (isNotFound(e)) {
        const what = instance === undefined ? 'manifest.json' : `the manifest of instance ${instance} (${name})`
        throw new ImageNotFoundError(`${this.image}: ${what} does not exist`, { image: this.image, cause: e })
      }
      throw e
    }
  }

  async getBlob(info: BlobInfo): Promise<{ stream: Readable; size: number }> {
    let lastErr: unknown
    for (const name of blobFileCandidates(info.digest)) {
      try {
        const path = await this.safePath(name)
        return await openBlobFile(path)
      } catch (e) {
        if (isSkiffError(e) || !isNotFound(e)) throw e
        lastErr = e
      }
    }
    throw new SkiffError(
      'ERR_INVALID_LAYOUT',
      `${this.image}: blob ${info.digest} is missing from the directory; the image is incomplete`,
      {
        image: this.image,
        cause: lastErr,
      },
    )
  }

  /** The blob's file (symlinks that leave the directory refused), for hardlinking; undefined if absent. */
  async localBlobPath(info: BlobInfo): Promise<string | undefined> {
    for (const name of blobFileCandidates(info.digest)) {
      try {
        const path = await this.safePath(name)
        if ((await stat(path)).isFile()) return path
      } catch (e) {
        if (isSkiffError(e) || !isNotFound(e)) throw e
      }
    }
    return undefined
  }

  async getSignatures(instance?: Digest): Promise<Signature[]> {
    const out: Signature[] = []
    for (let i = 0; ; i++) {
      let blob: Buffer
      let path = signatureFileName(i, instance)
      try {
        path = await this.safePath(path)
        blob = await readFileAtMost(path, MAX_SIGNATURE_SIZE, () =>
          sizeLimitError(
            `${this.image}: reading ${signatureFileName(i, instance)}`,
            MAX_SIGNATURE_SIZE,
            'ERR_INVALID_LAYOUT',
            this.image,
          ),
        )
      } catch (e) {
        if (isNotFound(e)) return out
        throw e
      }
      out.push(parseStoredSignature(blob, JSON.stringify(path), this.image))
    }
  }

  async close(): Promise<void> {
    // nothing held open
  }
}
