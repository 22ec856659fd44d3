/**
 * Reads an image from docker/distribution's filesystem storage as the registry serves it: the tag's
 * `current/link` (or a manifest revision) names the manifest, blobs are served only when the
 * repository links them (`_layers`). Returns raw bytes; never verifies (the engine does).
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { ImageNotFoundError, SkiffError, isNotFound } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { guessMediaType } from '../../manifest/parse.js'
import { openBlobFile } from '../../util/blob-file.js'
import type { ImageReference, ImageSource } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { realPathInside } from '../dir/local-path.js'
import {
  blobDataPath,
  layerLinkPath,
  readLink,
  readLinkTo,
  repositoryPath,
  revisionLinkPath,
  tagCurrentLinkPath,
  v2Root,
} from './layout.js'
import { listStoreTags } from './catalog.js'
import type { StorageSelector } from './types.js'
import { MAX_MANIFEST_SIZE, readFileAtMost, sizeLimitError } from '../../util/limits.js'
import type { Signature } from '../../signature/types.js'

export class RegistryStorageSource implements ImageSource {
  private constructor(
    readonly reference: ImageReference,
    private readonly root: string,
    private readonly name: string,
    private readonly repo: string,
    /** The manifest the reference names (from the tag's current link, or the reference's digest). */
    private readonly top: Digest,
  ) {}

  static async open(
    reference: ImageReference,
    root: string,
    name: string,
    sel: StorageSelector,
  ): Promise<RegistryStorageSource> {
    const image = reference.toString()
    const notFound = (msg: string, cause?: unknown): ImageNotFoundError =>
      new ImageNotFoundError(`${image}: ${msg}`, { image, cause })
    try {
      await stat(v2Root(root))
    } catch (e) {
      if (isNotFound(e))
        throw notFound(
          `no registry storage at ${root} (${v2Root(root)} does not exist); ROOT must be the registry's rootdirectory`,
          e,
        )
      throw e
    }
    const repo = repositoryPath(root, name)
    try {
      await stat(join(repo, '_manifests'))
    } catch (e) {
      if (isNotFound(e)) throw notFound(`the store has no repository "${name}"`, e)
      throw e
    }
    let top: Digest
    if (sel.digest !== undefined) {
      if (!(await readLinkTo(root, revisionLinkPath(repo, sel.digest), sel.digest, image)))
        throw notFound(`repository "${name}" has no manifest ${sel.digest}`)
      top = sel.digest
    } else {
      const d = await readLink(root, tagCurrentLinkPath(repo, sel.tag), image)
      if (d === undefined) {
        const tags = await listStoreTags(root, name)
        throw notFound(
          `repository "${name}" has no tag "${sel.tag}"${tags.length ? ` (it has: ${tags.slice(0, 20).join(', ')}${tags.length > 20 ? ', …' : ''})` : ' (it has no tags)'}`,
        )
      }
      top = d
    }
    return new RegistryStorageSource(reference, root, name, repo, top)
  }

  private get image(): string {
    return this.reference.toString()
  }

  private damaged(what: string, cause?: unknown): SkiffError {
    return new SkiffError(
      'ERR_INVALID_LAYOUT',
      `${this.image}: ${what}; the registry storage is incomplete or damaged`,
      { image: this.image, cause },
    )
  }

  /** The blob's data file if the repository links it; undefined otherwise. Symlinks must stay in the store. */
  private async linkedBlobPath(d: Digest): Promise<string | undefined> {
    if (!(await readLinkTo(this.root, layerLinkPath(this.repo, d), d, this.image))) return undefined
    try {
      return await realPathInside(this.root, blobDataPath(this.root, d), this.image)
    } catch (e) {
      if (isNotFound(e))
        throw this.damaged(
          `blob ${d} is linked by repository "${this.name}" but ${blobDataPath(this.root, d)} does not exist`,
          e,
        )
      throw e
    }
  }

  /** `digest` is what the store's link claims; the engine verifies the bytes against it. */
  async getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string; digest: Digest }> {
    const d = instance ?? this.top
    if (
      instance !== undefined &&
      !(await readLinkTo(this.root, revisionLinkPath(this.repo, instance), instance, this.image))
    ) {
      throw new ImageNotFoundError(
        `${this.image}: repository "${this.name}" has no manifest ${instance} (no revision link)`,
        { image: this.image },
      )
    }
    const path = blobDataPath(this.root, d)
    let bytes: Buffer
    try {
      bytes = await readFileAtMost(await realPathInside(this.root, path, this.image), MAX_MANIFEST_SIZE, () =>
        sizeLimitError(`${this.image}: reading manifest ${d}`, MAX_MANIFEST_SIZE, 'ERR_MANIFEST_INVALID', this.image),
      )
    } catch (e) {
      if (isNotFound(e)) throw this.damaged(`manifest ${d} is linked but ${path} does not exist`, e)
      throw e
    }
    return { bytes, mediaType: guessMediaType(bytes), digest: d }
  }

  async getBlob(info: BlobInfo): Promise<{ stream: Readable; size: number }> {
    const path = await this.linkedBlobPath(info.digest)
    if (path === undefined)
      throw this.damaged(`blob ${info.digest} is not linked to repository "${this.name}" (no _layers link)`)
    try {
      return await openBlobFile(path)
    } catch (e) {
      if (isNotFound(e)) throw this.damaged(`blob ${info.digest}: ${path} does not exist`, e)
      throw e
    }
  }

  async localBlobPath(info: BlobInfo): Promise<string | undefined> {
    try {
      let path = await this.linkedBlobPath(info.digest)
      // A manifest of this repository (a revision link, not a layer link): the engine asks for it
      // to let a store destination hardlink the manifest as well.
      if (
        path === undefined &&
        (await readLinkTo(this.root, revisionLinkPath(this.repo, info.digest), info.digest, this.image))
      ) {
        path = await realPathInside(this.root, blobDataPath(this.root, info.digest), this.image)
      }
      return path !== undefined && (await stat(path)).isFile() ? path : undefined
    } catch {
      return undefined
    }
  }

  async getSignatures(): Promise<Signature[]> {
    return []
  }

  async listTags(): Promise<string[]> {
    return listStoreTags(this.root, this.name)
  }

  async close(): Promise<void> {
    // nothing held open
  }
}
