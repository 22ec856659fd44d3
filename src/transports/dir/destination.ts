/**
 * Writes an image in skopeo's directory layout. Everything goes into a staging directory beside
 * the target (`.NAME.skiff<PID>-<START>-<HOST>.<random>.tmp`, removed by a later run if this one is killed) that becomes visible only at commit(): renamed into place, or
 * swapped with an existing dir layout (or empty directory). A non-empty directory that is not a
 * dir layout is refused up front, so user files are never destroyed.
 */
import { existsSync } from 'node:fs'
import { link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { SkiffError, isNotFound } from '../../errors.js'
import { digestOf, isValidDigest, type Digest } from '../../digest/digest.js'
import { tempPathFor, tempPrefixFor, writeFileAtomic } from '../../util/atomic.js'
import { isStaleTempName, sweepStaleTemps } from '../../util/temp-owner.js'
import { checkNameLength } from '../../util/write-error.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import type { DestinationProperties, ImageReference, PutBlobOptions, ReuseOptions } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { StagedDestination } from '../shared/staged-destination.js'
import { realPathInside, removeEmptyDirs } from './local-path.js'
import { signatureToBlob } from '../../signature/blob.js'
import type { Signature } from '../../signature/types.js'
import {
  VERSION_CONTENT,
  VERSION_FILE,
  blobFileCandidates,
  blobFileName,
  manifestFileName,
  signatureFileName,
} from './layout.js'

type TargetState = 'missing' | 'empty' | 'layout'

/** What is at `target` now; throws for anything that must not be overwritten. */
async function inspectTarget(target: string, image: string): Promise<TargetState> {
  let st
  try {
    st = await stat(target)
  } catch (e) {
    if (isNotFound(e)) return 'missing'
    throw e
  }
  if (!st.isDirectory()) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `${image}: ${target} exists and is not a directory; choose another path or remove it`,
      { image },
    )
  }
  const entries = await readdir(target)
  if (entries.length === 0) return 'empty'
  if (entries.includes(VERSION_FILE)) return 'layout'
  throw new SkiffError(
    'ERR_INVALID_ARGUMENT',
    `${image}: ${target} is a non-empty directory that does not hold a dir: image (no "version" file); refusing to overwrite it — choose an empty or new directory`,
    { image },
  )
}

/** Renames a stale `.NAME.<owner>.old` (a complete earlier image moved aside by a killed swap) back to `target`. */
async function restoreSwappedOut(parent: string, target: string): Promise<void> {
  const prefix = tempPrefixFor(target)
  let names: string[]
  try {
    names = await readdir(parent)
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.old') || !isStaleTempName(name)) continue
    try {
      await rename(join(parent, name), target)
      return
    } catch {
      // someone else restored or created it meanwhile
    }
  }
}

export class DirImageDestination extends StagedDestination {
  readonly properties: DestinationProperties = {
    supportedManifestMediaTypes: undefined,
    desiredLayerCompression: 'preserve',
    supportsMultiImage: true,
    acceptsForeignLayerURLs: true,
    hasThreadSafePutBlob: true,
    supportsSignatures: true,
  }

  /**
   * Dir destinations on one filesystem form one "store" for the engine's shared state: in a sync,
   * a blob another image directory already holds is hardlinked from there (localBlobPath +
   * ReuseOptions.earlierPath) instead of written again.
   */
  readonly blobStoreId: string

  private constructor(
    reference: ImageReference,
    private readonly target: string,
    private readonly staging: string,
    /** The existing dir layout being replaced (blobs there can be hardlinked), if any. */
    private readonly previous: string | undefined,
    /** The first parent folder this destination created, removed again if nothing is committed. */
    private readonly createdParent: string | undefined,
    device: number,
  ) {
    super(reference)
    this.blobStoreId = `dir-files:${device}`
  }

  static async open(reference: ImageReference, target: string): Promise<DirImageDestination> {
    const image = reference.toString()
    checkNameLength(target, image)
    // A run killed inside swapIn(), between moving the old image aside and the new one in, left
    // no target but a complete `.old`: put it back before the sweep in open() would remove it.
    if (!existsSync(target)) await restoreSwappedOut(dirname(target), target)
    const state = await inspectTarget(target, image)
    const parent = dirname(target)
    const createdParent = await mkdir(parent, { recursive: true })
    // What a killed earlier run left beside the target (staging folders, old copies being removed).
    await sweepStaleTemps(parent, tempPrefixFor(target))
    const staging = tempPathFor(target)
    registerTempPath(staging)
    try {
      await mkdir(staging, { mode: 0o755 })
    } catch (e) {
      unregisterTempPath(staging)
      if (createdParent) await removeEmptyDirs(parent, createdParent)
      throw new SkiffError(
        'ERR_IO',
        `${image}: cannot create a staging directory beside ${target}: ${(e as Error).message}`,
        { image, cause: e },
      )
    }
    const device = (await stat(staging)).dev
    return new DirImageDestination(
      reference,
      target,
      staging,
      state === 'layout' ? target : undefined,
      createdParent,
      device,
    )
  }

  private async existingSize(path: string): Promise<number | undefined> {
    try {
      const st = await stat(path)
      return st.isFile() ? st.size : undefined
    } catch {
      return undefined
    }
  }

  async tryReusingBlob(info: BlobInfo, opts: ReuseOptions = {}): Promise<BlobInfo | undefined> {
    if (!isValidDigest(info.digest)) return undefined
    const sizeOk = (n: number | undefined): n is number => n !== undefined && (info.size < 0 || n === info.size)
    const name = blobFileName(info.digest)
    const staged = join(this.staging, name)
    const here = await this.existingSize(staged)
    if (sizeOk(here)) return { ...info, size: here }
    /** Hardlinks `file` (already size-checked) into the staging directory. */
    const linkIn = async (file: string): Promise<BlobInfo | undefined> => {
      try {
        const size = await this.existingSize(file)
        if (!sizeOk(size)) return undefined
        await link(file, staged)
        return { ...info, size }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          const n = await this.existingSize(staged)
          if (sizeOk(n)) return { ...info, size: n }
        }
        return undefined // an optimization never fails the copy: fall back to streaming
      }
    }
    // A file an earlier image of this sync wrote (verified then). The source's own files
    // (opts.sourcePath) are not linked: copying them is what verifies them against the manifest.
    if (opts.earlierPath !== undefined) {
      const r = await linkIn(opts.earlierPath)
      if (r) return r
    }
    if (this.previous === undefined) return undefined
    for (const candidate of blobFileCandidates(info.digest)) {
      let real: string
      try {
        real = await realPathInside(this.previous, join(this.previous, candidate), this.image)
      } catch {
        continue
      }
      const r = await linkIn(real)
      if (r) return r
    }
    return undefined
  }

  /** Where this destination keeps `digest` now: the staging copy, the committed one, or nothing after a close without commit. */
  async localBlobPath(digest: Digest): Promise<string | undefined> {
    if (this.isDiscarded) return undefined
    let name: string
    try {
      name = blobFileName(digest)
    } catch {
      return undefined
    }
    const path = join(this.isCommitted ? this.target : this.staging, name)
    return (await this.existingSize(path)) !== undefined ? path : undefined
  }

  async putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions = {}): Promise<BlobInfo> {
    this.assertOpen('putBlob()')
    return this.writeBlob(join(this.staging, 'blob'), stream, info, opts, this.target, (digest) =>
      join(this.staging, blobFileName(digest)),
    )
  }

  async putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    this.assertOpen('putManifest()')
    await writeFileAtomic(join(this.staging, manifestFileName(instance)), bytes).catch((e: unknown) => {
      throw this.writeFailure(e, this.target)
    })
    if (instance === undefined) this.topManifest = { digest: digestOf(bytes), mediaType, size: bytes.length }
  }

  async putSignatures(signatures: Signature[], instance?: Digest): Promise<void> {
    this.assertOpen('putSignatures()')
    for (let i = 0; i < signatures.length; i++) {
      await writeFileAtomic(join(this.staging, signatureFileName(i, instance)), signatureToBlob(signatures[i]!)).catch(
        (e: unknown) => {
          throw this.writeFailure(e, this.target)
        },
      )
    }
    // A second call with fewer signatures must not leave old ones behind.
    for (let i = signatures.length; ; i++) {
      const p = join(this.staging, signatureFileName(i, instance))
      if ((await this.existingSize(p)) === undefined) break
      await rm(p, { force: true })
    }
  }

  /** Writes `version` last, then renames the staging folder into place (or swaps it with the old image). */
  protected async publish(): Promise<void> {
    this.requireTopManifest()
    await writeFileAtomic(join(this.staging, VERSION_FILE), VERSION_CONTENT).catch((e: unknown) => {
      throw this.writeFailure(e, this.target)
    })
    // Re-check: the target may have changed since the destination was opened.
    const state = await inspectTarget(this.target, this.image)
    if (state === 'missing') {
      try {
        await rename(this.staging, this.target)
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e
        // Someone created it meanwhile: swap if that is allowed, else refuse.
        await inspectTarget(this.target, this.image)
        await this.swapIn()
      }
    } else {
      await this.swapIn()
    }
    unregisterTempPath(this.staging)
  }

  /** Renames the old target aside, the staging directory in, and removes the old one. */
  private async swapIn(): Promise<void> {
    const old = tempPathFor(this.target).replace(/\.tmp$/, '.old')
    await rename(this.target, old)
    try {
      await rename(this.staging, this.target)
    } catch (e) {
      await rename(old, this.target).catch(() => undefined)
      throw e
    }
    registerTempPath(old)
    try {
      await rm(old, { recursive: true, force: true })
    } finally {
      unregisterTempPath(old)
    }
  }

  /** Removes the staging folder and the parent folders open() created. */
  protected async discard(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true })
    unregisterTempPath(this.staging)
    if (this.createdParent) await removeEmptyDirs(dirname(this.target), this.createdParent)
  }
}
