/**
 * Writes an image into docker/distribution's filesystem storage exactly as distribution 2.8 does on
 * a push: blob `data` files (content-addressed, staged in the repository's `_uploads`), a `_layers`
 * link per layer and config, a `_manifests/revisions` link per manifest (list instances too), and
 * last, under a per-repository lock, the tag's `index` and `current` links.
 *
 * Blobs already in the store are not written again; a blob the source holds as a local file on the
 * same filesystem is hardlinked (ReuseOptions.sourcePath), so no bytes are copied. Nothing is linked
 * before commit(): close() without commit leaves no links. Blob data written by an abandoned copy
 * stays (content-addressed and unreferenced, as distribution leaves it); `docker-registry
 * garbage-collect` removes it.
 */
import { link, mkdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { DigestMismatchError, SkiffError, isNotFound, opt, withOptions } from '../../errors.js'
import { isValidDigest, type Digest } from '../../digest/digest.js'
import { tempPathFor, writeFileAtomic } from '../../util/atomic.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { withLock } from '../../util/lock.js'
import type {
  DestinationProperties,
  ImageReference,
  PutBlobOptions,
  PutManifestOptions,
  ReuseOptions,
} from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { StagedDestination } from '../shared/staged-destination.js'
import { sweepStaleTemps } from '../../util/temp-owner.js'
import { removeEmptyDirs } from '../dir/local-path.js'
import {
  blobDataPath,
  blobsRoot,
  isFileOfSize,
  layerLinkPath,
  repositoriesRoot,
  repositoryPath,
  revisionLinkPath,
  tagCurrentLinkPath,
  tagIndexLinkPath,
  uploadsPath,
  writeLink,
} from './layout.js'
import type { StorageSelector } from './types.js'
import type { Signature } from '../../signature/types.js'

/** Whether the file at `path` holds exactly `bytes` (read only when the size matches). */
async function sameSmallFile(path: string, bytes: Buffer): Promise<boolean> {
  try {
    if ((await stat(path)).size !== bytes.length) return false
    return (await readFile(path)).equals(bytes)
  } catch {
    return false
  }
}

/** The per-repository lock (in `_uploads`, which distribution's catalog and tag listing never read). */
const LOCK_FILE = '.skiff-commit.lock'

/**
 * Hardlinks `source` to `target` (temp name + rename, so the target appears whole). undefined when
 * it cannot (another filesystem, no permission, size differs): the caller streams instead.
 */
async function hardlinkBlob(
  source: string,
  target: string,
  size: number,
  tempDir: string,
): Promise<number | undefined> {
  let st
  try {
    st = await stat(source)
  } catch {
    return undefined
  }
  if (!st.isFile() || (size >= 0 && st.size !== size)) return undefined
  await mkdir(dirname(target), { recursive: true })
  const tmp = tempPathFor(target, tempDir)
  registerTempPath(tmp)
  try {
    await link(source, tmp)
    await rename(tmp, target)
    return st.size
  } catch {
    await rm(tmp, { force: true })
    return undefined
  } finally {
    unregisterTempPath(tmp)
  }
}

export class RegistryStorageDestination extends StagedDestination {
  readonly properties: DestinationProperties = {
    // distribution stores any manifest type as it is: keep the source's, so digests never change.
    desiredLayerCompression: 'preserve',
    supportsMultiImage: true,
    acceptsForeignLayerURLs: true,
    hasThreadSafePutBlob: true,
    supportsSignatures: false,
  }

  /** Every destination into the same store can reuse the blobs this one writes (sync: one transfer per blob). */
  readonly blobStoreId: string

  /** Blobs stored or reused: each gets a `_layers` link at commit. */
  private readonly blobs = new Set<Digest>()
  /** Manifests stored: each gets a `_manifests/revisions` link at commit. */
  private readonly manifests = new Set<Digest>()

  private constructor(
    reference: ImageReference,
    private readonly root: string,
    private readonly repo: string,
    private readonly sel: StorageSelector,
    /** The first folder open() created for the repository, if any (removed again on close without commit). */
    private readonly created: string | undefined,
  ) {
    super(reference)
    this.blobStoreId = `registry-storage:${root}`
  }

  static async open(
    reference: ImageReference,
    root: string,
    name: string,
    sel: StorageSelector,
  ): Promise<RegistryStorageDestination> {
    const image = reference.toString()
    try {
      const st = await stat(root)
      if (!st.isDirectory())
        throw new SkiffError('ERR_INVALID_ARGUMENT', `${image}: ${root} exists and is not a directory`, { image })
    } catch (e) {
      if (!isNotFound(e)) throw e
    }
    await mkdir(join(blobsRoot(root), 'sha256'), { recursive: true })
    await mkdir(repositoriesRoot(root), { recursive: true })
    const repo = repositoryPath(root, name)
    const created = await mkdir(uploadsPath(repo), { recursive: true })
    // Every temp file of this repository's writes is in its _uploads: remove what a killed run left.
    await sweepStaleTemps(uploadsPath(repo))
    return new RegistryStorageDestination(reference, root, repo, sel, created)
  }

  async tryReusingBlob(info: BlobInfo, opts: ReuseOptions = {}): Promise<BlobInfo | undefined> {
    if (!isValidDigest(info.digest)) return undefined
    const path = blobDataPath(this.root, info.digest)
    let size = await isFileOfSize(path, info.size)
    if (size === undefined && opts.sourcePath !== undefined)
      size = await hardlinkBlob(opts.sourcePath, path, info.size, uploadsPath(this.repo))
    if (size === undefined) return undefined
    this.blobs.add(info.digest)
    return { ...info, size }
  }

  async putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions = {}): Promise<BlobInfo> {
    this.assertOpen('putBlob()')
    const written = await this.writeBlob(
      join(uploadsPath(this.repo), 'blob'),
      stream,
      info,
      opts,
      this.root,
      (digest) => blobDataPath(this.root, digest),
    )
    this.blobs.add(written.digest)
    return written
  }

  async putManifest(bytes: Buffer, mediaType: string, instance?: Digest, opts: PutManifestOptions = {}): Promise<void> {
    this.assertOpen('putManifest()')
    const digest = this.manifestDigest(bytes, instance)
    if (instance === undefined && this.sel.digest !== undefined && digest !== this.sel.digest) {
      throw new DigestMismatchError(
        this.sel.digest,
        digest,
        `${this.image}: the manifest written differs from the digest the reference names`,
        { image: this.image },
      )
    }
    const path = blobDataPath(this.root, digest)
    if ((await isFileOfSize(path, bytes.length)) === undefined) {
      // The source's own copy of these exact bytes (another store on this filesystem): hardlink it,
      // as the seed's select does for manifests too. Checked byte for byte first (it is small).
      const same = opts.sourcePath !== undefined && (await sameSmallFile(opts.sourcePath, bytes))
      const linked =
        same && (await hardlinkBlob(opts.sourcePath!, path, bytes.length, uploadsPath(this.repo))) !== undefined
      if (!linked) await writeFileAtomic(path, bytes, 0o644, uploadsPath(this.repo))
    }
    this.manifests.add(digest)
    if (instance === undefined) this.topManifest = { digest, mediaType, size: bytes.length }
  }

  async putSignatures(signatures: Signature[]): Promise<void> {
    this.assertOpen('putSignatures()')
    if (signatures.length > 0) {
      throw new SkiffError(
        'ERR_UNSUPPORTED',
        withOptions`${this.image}: registry storage cannot hold signatures; use ${opt('removeSignatures', { value: true })}`,
        { image: this.image },
      )
    }
  }

  /** Writes the `_layers` and revision links, then (under the repository's lock) the tag. */
  protected async publish(): Promise<void> {
    const top = this.requireTopManifest().digest
    // Layer and revision links are independent of each other (written in parallel: their fsyncs
    // overlap); the tag, which makes the image visible, comes after all of them.
    await Promise.all([
      ...[...this.blobs].map((d) => writeLink(layerLinkPath(this.repo, d), d, uploadsPath(this.repo))),
      ...[...this.manifests].map((d) => writeLink(revisionLinkPath(this.repo, d), d, uploadsPath(this.repo))),
    ])
    const tag = this.sel.tag
    if (tag !== undefined) {
      await withLock(join(uploadsPath(this.repo), LOCK_FILE), async () => {
        await writeLink(tagIndexLinkPath(this.repo, tag, top), top, uploadsPath(this.repo))
        const current = tagCurrentLinkPath(this.repo, tag)
        const old = await readFile(current, 'utf8').catch(() => undefined)
        if (old !== top) await writeFileAtomic(current, top, 0o644, uploadsPath(this.repo))
      })
    }
  }

  /** Removes the empty repository folders open() created (blob data stays: content-addressed, unreferenced). */
  protected async discard(): Promise<void> {
    if (this.created === undefined) return
    // open() created the repository folder and nothing was committed: take the empty folders back.
    await removeEmptyDirs(uploadsPath(this.repo), this.created)
  }
}
