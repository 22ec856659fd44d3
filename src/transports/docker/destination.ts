/**
 * Writing to a registry: blob reuse (HEAD in the target repository, then a cross-repository mount
 * from a repository known to hold the blob), uploads (monolithic when size and digest are known,
 * streamed PATCH otherwise), manifests by tag, by digest for list instances, or by digest only.
 * The manifest PUT is the commit (a registry has no staging; the PUT is atomic): commit() has nothing
 * left to do, and close() only releases the client.
 */
import type { Readable } from 'node:stream'
import { SkiffError } from '../../errors.js'
import type { Digest } from '../../digest/digest.js'
import { manifestDigest } from '../../manifest/parse.js'
import { releaseClient, type RegistryClient } from '../../registry/client.js'
import type { Repository } from '../../registry/repository.js'
import type { DestinationProperties, PutBlobOptions, ReuseOptions, TransportOptions } from '../types.js'
import type { BlobInfo } from '../../manifest/types.js'
import { StagedDestination } from '../shared/staged-destination.js'
import { openRepository } from './options.js'
import type { DockerRef } from './types.js'
import type { Signature, SigstoreSignature } from '../../signature/types.js'
import { signatureStorage, writeLookaside } from './lookaside.js'
import { writeSigstoreAttachments } from './sigstore-attachments.js'

const MAX_MOUNT_CANDIDATES = 3

export class DockerImageDestination extends StagedDestination {
  readonly properties: DestinationProperties = {
    desiredLayerCompression: 'compress',
    supportsMultiImage: true,
    acceptsForeignLayerURLs: true,
    hasThreadSafePutBlob: true,
    supportsSignatures: true,
  }
  readonly blobStoreId: string
  /** The digest of the top-level manifest written (signatures are stored under it). */
  private topDigest: Digest | undefined

  private constructor(
    override readonly reference: DockerRef,
    private readonly client: RegistryClient,
    private readonly repo: Repository,
    private readonly signal: AbortSignal | undefined,
    private readonly opts: TransportOptions | undefined,
  ) {
    super(reference)
    this.blobStoreId = `docker://${client.registry}`
  }

  static async open(ref: DockerRef, opts?: TransportOptions): Promise<DockerImageDestination> {
    const { client, repo } = await openRepository(ref, opts, 'push')
    return new DockerImageDestination(ref, client, repo, opts?.signal, opts)
  }

  private get registry(): string {
    return this.client.registry
  }

  /**
   * Reuse: a blob this process saw in the repository needs no request. One this context stored,
   * mounted or found in another repository of the registry (a sync: the base layer an earlier image
   * pushed) is mounted from there straight away: distribution answers 201 whether it mounted the blob or had it already, so a
   * HEAD first would only add a request. Otherwise a HEAD, then mounts from the locations the cache
   * on disk knows. A registry that answered a mount with an upload (202: no mounts) gets the HEAD
   * first from then on (its client remembers).
   */
  async tryReusingBlob(info: BlobInfo, opts: ReuseOptions = {}): Promise<BlobInfo | undefined> {
    const key = `${this.repo.name}\0${info.digest}`
    const inFlight = this.client.reuseInFlight
    const other = inFlight.get(key)
    if (other) {
      // another image is placing this blob in this repository: its result is ours (see RegistryClient.reuseInFlight)
      const r = await other.catch(() => undefined)
      if (r) return { ...info, size: info.size >= 0 ? info.size : r.size }
    }
    const mine = this.reuseOnce(info, opts)
    inFlight.set(key, mine)
    try {
      return await mine
    } finally {
      if (inFlight.get(key) === mine) inFlight.delete(key)
    }
  }

  private async reuseOnce(info: BlobInfo, opts: ReuseOptions): Promise<BlobInfo | undefined> {
    const signal = opts.signal ?? this.signal
    const cache = this.client.blobLocations
    const { digest } = info
    const tried = new Set<string>()
    const mountFrom = async (repos: string[]): Promise<BlobInfo | undefined> => {
      for (const from of repos) {
        if (tried.has(from) || tried.size >= MAX_MOUNT_CANDIDATES) continue
        tried.add(from)
        const r = await this.repo.mount(digest, from, signal)
        if (r === 'mounted') {
          cache.markPresent(this.registry, this.repo.name, digest)
          const sz = info.size >= 0 ? info.size : ((await this.repo.headBlob(digest, signal)) ?? -1)
          this.client.log(() => `registry: mounted ${digest} from ${from} into ${this.repo.name}`)
          return { ...info, size: sz }
        }
        if (r === 'upload-started') this.client.mountsDeclined = true
        cache.forget(this.registry, from, digest)
      }
      return undefined
    }
    try {
      if (info.size >= 0 && cache.isPresent(this.registry, this.repo.name, digest)) return { ...info }
      if (!this.client.mountsDeclined) {
        const mounted = await mountFrom(cache.presentElsewhere(this.registry, digest, this.repo.name))
        if (mounted) return mounted
      }
      const size = await this.repo.headBlob(digest, signal)
      if (size !== undefined) {
        cache.markPresent(this.registry, this.repo.name, digest)
        return { ...info, size: size >= 0 ? size : info.size }
      }
      return await mountFrom(await cache.candidates(this.registry, digest, this.repo.name))
    } catch (e) {
      if (signal?.aborted) throw e
      this.client.log(() => `registry: reuse check of ${digest} failed: ${(e as Error).message}`)
    }
    return undefined
  }

  async putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions = {}): Promise<BlobInfo> {
    this.assertOpen('putBlob()')
    const signal = opts.signal ?? this.signal
    const known = opts.expectedDigest && info.size >= 0 ? opts.expectedDigest : undefined
    const r = await this.repo.uploadBlob(stream, info.size, known, signal)
    this.client.blobLocations.markPresent(this.registry, this.repo.name, r.digest)
    return { ...info, digest: r.digest, size: r.size }
  }

  async putManifest(bytes: Buffer, mediaType: string, instance?: Digest): Promise<void> {
    this.assertOpen('putManifest()')
    if (instance !== undefined) {
      await this.repo.putManifest(instance, bytes, mediaType, this.signal)
      return
    }
    const ref = this.reference.ref
    if (this.reference.unknownDigest || ref.digest !== undefined) {
      const d = manifestDigest(bytes, mediaType)
      if (ref.digest !== undefined && ref.digest !== d) {
        throw new SkiffError(
          'ERR_DIGEST_MISMATCH',
          `${this.reference.toString()}: the manifest to write has digest ${d}, not the ${ref.digest} the destination names; copy to a tag or to @@unknown-digest@@ instead`,
        )
      }
      await this.repo.putManifest(d, bytes, mediaType, this.signal)
      this.topDigest = d
      return
    }
    await this.repo.putManifest(ref.tag ?? 'latest', bytes, mediaType, this.signal)
    this.topDigest = manifestDigest(bytes, mediaType)
  }

  /**
   * Simple-signing signatures go to the lookaside (registries.d's lookaside-staging or lookaside,
   * file:// only), sigstore ones to the registry's attachments (use-sigstore-attachments).
   */
  async putSignatures(signatures: Signature[], instance?: Digest): Promise<void> {
    this.assertOpen('putSignatures()')
    if (signatures.length === 0) return
    const digest = instance ?? this.topDigest
    const image = this.reference.toString()
    if (digest === undefined)
      throw new SkiffError('ERR_UNSUPPORTED', `${image}: Unknown manifest digest, can't add signatures`, { image })
    const storage = await signatureStorage(this.reference, this.opts)
    const sigstore = signatures.filter((s): s is SigstoreSignature => s.format === 'sigstore-json')
    const others = signatures.filter((s) => s.format !== 'sigstore-json')
    if (sigstore.length) {
      if (!storage.useSigstoreAttachments)
        throw new SkiffError('ERR_UNSUPPORTED', `${image}: writing sigstore attachments is disabled by configuration`, {
          image,
        })
      await writeSigstoreAttachments(
        { repo: this.repo, image, ...(this.signal ? { signal: this.signal } : {}) },
        digest,
        sigstore,
      )
    }
    if (others.length) await writeLookaside(storage.write, digest, others, image)
  }

  /** The manifest PUT already made the image visible. */
  protected async publish(): Promise<void> {}

  /** Blobs stay in the registry (content-addressed, unreferenced); there is nothing else to take back. */
  protected async discard(): Promise<void> {}

  protected override release(): Promise<void> {
    return releaseClient(this.client)
  }
}
