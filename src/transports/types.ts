/**
 * The contracts every transport implements. Sources return RAW bytes and streams; the copy engine
 * is the one place that verifies digests and sizes, converts manifests and compression, checks
 * policy, reuses blobs and limits concurrency. Capabilities are data (`properties`), never
 * `if (transport === 'dir')` in the engine.
 */
import type { Readable } from 'node:stream'
import type { DockerReference } from '../reference/docker-reference.js'
import type { Digest } from '../digest/digest.js'
import type { BlobInfo, Platform } from '../manifest/types.js'
import type { RegistryAccessOptions } from '../registry/types.js'
import type { SkiffContext } from '../registry/context.js'
import type { RetryBudget } from '../util/retry.js'
import type { Signature } from '../signature/types.js'

/** Options shared by every transport when opening a source or destination. Normalized at the edge. */
export interface TransportOptions {
  /** Directory for temporary files (--tmpdir); defaults to os.tmpdir(). */
  tmpdir?: string
  /** Aborts I/O in flight (Ctrl-C, --command-timeout). */
  signal?: AbortSignal
  /** For sources that hold several images (docker-archive without a name): choose by platform. */
  platform?: Partial<Platform>
  /** docker-archive destinations: extra names for the image (--additional-tag). */
  additionalTags?: DockerReference[]
  /**
   * oci destinations: keep uncompressed layers uncompressed (--dest-oci-accept-uncompressed-layers);
   * by default an oci destination wants them compressed (desiredLayerCompression 'compress').
   */
  ociAcceptUncompressedLayers?: boolean
  /** oci: a directory holding the blobs shared by several layouts (--src/--dest-shared-blob-dir). */
  sharedBlobDir?: string
  /** docker: and docker-daemon: access (credentials, TLS, certificates); used by the registry transports. */
  registry?: RegistryAccessOptions
  /**
   * docker: the context whose client pool, blob-location cache, registries.conf, credentials and
   * debug log to use (src/registry/context.ts). Without one, each source, destination or operation
   * gets a fresh context of its own (configuration read from process.env, nothing shared).
   */
  context?: SkiffContext
  /**
   * docker: the retry budget of the operation this source or destination belongs to
   * (src/util/retry.ts): every retried request and every resumed download without progress spends
   * from it. Absent: each request retries on its own, up to registry.retryTimes.
   */
  retry?: RetryBudget
}

/** What a destination can store and how it wants layers; the engine adapts to these. */
export interface DestinationProperties {
  /** Manifest media types the destination accepts, most preferred first; undefined = any. */
  supportedManifestMediaTypes?: string[]
  /**
   * What the destination wants done to layers when the user asked for nothing: 'preserve' keeps
   * them as they are; 'compress' compresses uncompressed layers (compressed ones stay as they are);
   * 'decompress' stores them uncompressed.
   */
  desiredLayerCompression: 'preserve' | 'compress' | 'decompress'
  /** Whether it can store manifest lists / OCI indexes (several instances). */
  supportsMultiImage: boolean
  /** Whether layers with `urls` (foreign/non-distributable layers) may be referenced without copying. */
  acceptsForeignLayerURLs: boolean
  /** Whether putBlob may be called concurrently. */
  hasThreadSafePutBlob: boolean
  /** Whether putSignatures stores anything. */
  supportsSignatures: boolean
}

export interface PutBlobOptions {
  /** The blob is the image config (some layouts name or store it differently). */
  isConfig?: boolean
  /**
   * Set when the caller knows the digest of what it streams (no conversion) AND verifies the stream
   * against it, failing the stream before its end on a mismatch (the copy engine does). A
   * destination may name the file up front and skip hashing it again.
   */
  expectedDigest?: Digest
  signal?: AbortSignal
}

export interface ReuseOptions {
  /** The digest of the uncompressed content, when known (lets a destination reuse by DiffID). */
  uncompressedDigest?: Digest
  /** The layer may be substituted by a differently-compressed variant with the same content. */
  canSubstitute?: boolean
  /**
   * A local file holding exactly this blob, from the source (ImageSource.localBlobPath), passed by
   * the engine when the blob would be stored as it is. A local destination may hardlink it instead
   * of copying the bytes; it MUST fall back (return undefined) when it cannot (another filesystem).
   */
  sourcePath?: string
  /**
   * A local file holding exactly this blob that an earlier copy of this run (sync) stored after the
   * engine verified it (ImageDestination.localBlobPath, through the shared copy state). A local
   * destination may hardlink it; same fallback rule as sourcePath.
   */
  earlierPath?: string
  signal?: AbortSignal
}

export interface ImageSource {
  readonly reference: ImageReference
  /**
   * The raw manifest bytes and media type ('' when the transport cannot tell; the engine guesses).
   * Without `instance`: the top-level manifest (possibly a list). With `instance`: that child
   * manifest of a list, by digest. Throws ImageNotFoundError when the image does not exist.
   * MUST NOT verify or modify the bytes. `digest` is the digest the source's own metadata claims
   * for these bytes (an index.json entry, a reference's @digest), when it has one: the engine
   * verifies it.
   */
  getManifest(instance?: Digest): Promise<{ bytes: Buffer; mediaType: string; digest?: Digest }>
  /** The raw blob. size is -1 when unknown. MUST NOT verify (the engine does). */
  getBlob(info: BlobInfo, opts?: { signal?: AbortSignal }): Promise<{ stream: Readable; size: number }>
  /**
   * Signatures stored with the image, for `instance` (a list's instance, by digest) or the top
   * level, in stored order; [] when there are none. UNTRUSTED: the policy verifies them. A stored
   * signature that cannot be parsed is an error (signature/blob.ts's message), never skipped.
   */
  getSignatures(instance?: Digest): Promise<Signature[]>
  /**
   * Optional: the layer blobs this source can really serve for the image (`instance`: a list's
   * child), when they differ from what its manifest lists, in the manifest's order — e.g.
   * containers-storage keeps no compressed blobs and serves each layer as its uncompressed tar under
   * the diff ID and the uncompressed media type. The engine copies these instead and writes a
   * manifest naming them (containers/image's LayerInfosForCopy). undefined: the manifest's layers.
   */
  layerInfosForCopy?(instance?: Digest): Promise<BlobInfo[] | undefined>
  /** Tags known for this repository, when the source can list them cheaply (inspect RepoTags). */
  listTags?(): Promise<string[]>
  /**
   * Optional: the path of a local file that holds this blob as stored (after the same safety checks
   * getBlob makes), so a local destination can hardlink it. undefined when there is none. MUST NOT
   * verify (the content is trusted as content-addressed); never throws for "not found".
   */
  localBlobPath?(info: BlobInfo): Promise<string | undefined>
  close(): Promise<void>
}

export interface PutManifestOptions {
  /**
   * A local file of the source that holds these manifest bytes unchanged (ImageSource.localBlobPath
   * for the manifest's digest), so a local store may hardlink it after checking it byte for byte.
   */
  sourcePath?: string
}

export interface ImageDestination {
  readonly reference: ImageReference
  readonly properties: DestinationProperties
  /**
   * Names the store this destination's blobs live in (a registry host: `docker://HOST`), when
   * blobs written through one destination are reusable (tryReusingBlob) by other destinations with
   * the same id. Lets the engine keep one transfer in flight per blob across images (sync).
   */
  readonly blobStoreId?: string
  /**
   * Cheapest-first reuse: returns the stored blob's info if the destination already has it (or can
   * get it without the bytes: mount, hardlink). Never throws for "not found": returns undefined.
   */
  tryReusingBlob(info: BlobInfo, opts?: ReuseOptions): Promise<BlobInfo | undefined>
  /**
   * Optional: the local file holding a blob this destination stored or reused (its staging copy
   * before commit, its final place after), so later copies of the same run (sync) can hardlink it
   * (ReuseOptions.sourcePath). undefined when there is none (closed without commit). Never throws.
   */
  localBlobPath?(digest: Digest): Promise<string | undefined>
  /**
   * Stores a blob from a stream whose size may be unknown (-1). Computes the digest of what it wrote
   * and returns it. On stream error it MUST fail AND remove partial data. The blob may become visible
   * in a content-addressed store, but no image refers to it until putManifest/commit.
   */
  putBlob(stream: Readable, info: BlobInfo, opts?: PutBlobOptions): Promise<BlobInfo>
  /**
   * Stores a manifest. With `instance` (its digest), a child of a list; otherwise the top level that
   * the reference names. Called after every blob it refers to is stored.
   */
  putManifest(bytes: Buffer, mediaType: string, instance?: Digest, opts?: PutManifestOptions): Promise<void>
  /**
   * Stores the signatures of the top-level manifest (or of `instance`), replacing any stored
   * before; called after putManifest, before commit. A destination that cannot store them
   * (properties.supportsSignatures false) refuses a non-empty list with a message naming
   * `removeSignatures`; [] is always accepted.
   */
  putSignatures(signatures: Signature[], instance?: Digest): Promise<void>
  /**
   * Makes the image visible under its name (index.json entry, tags, archive finalization). Last.
   * MUST be idempotent: a second call (also while the first runs, or after close) changes nothing;
   * after a close without commit it MUST be refused. A destination without staging (a registry)
   * makes the top-level manifest visible in putManifest and has nothing left to do here.
   * (src/transports/shared/staged-destination.ts implements this lifecycle once.)
   */
  commit(): Promise<void>
  /**
   * Releases resources; idempotent. Without a prior commit it MUST remove everything it created:
   * files, temp files, folders, tags, a daemon's half-loaded image. The one exception is blobs in
   * a content-addressed store shared with other writers (a registry, an oci: layout that existed,
   * registry storage as distribution keeps it): another writer may be reusing them, so they may
   * stay, unreferenced, for the store's garbage collection.
   */
  close(): Promise<void>
}

/** What a store holds under a reference's name (ImageReference.storedManifest). */
export interface StoredManifest {
  /**
   * The digest of the manifest stored there (for a list: of the list). Absent when the store holds
   * a manifest but did not say which (a registry's HEAD without Docker-Content-Digest, for a
   * reference without its own @digest or asked with 'push').
   */
  digest?: Digest
  /** Its media type; '' when the store does not say. */
  mediaType: string
}

/**
 * Lets a caller that asks many questions (a sync's skip checks) keep what a transport opened for
 * one of them (a registry client: its connections, ping and tokens) until the caller is done,
 * instead of opening it again for every image.
 */
export interface ResourceHolder {
  /**
   * Offers `resource`. true: the holder keeps it and calls `release` once, when it is closed (the
   * transport MUST NOT release it itself); false: the transport releases it as usual. A resource
   * the holder already keeps is declined (each acquisition is released once).
   */
  keep(resource: object, release: () => Promise<void>): boolean
}

export interface StoredManifestQuery {
  /**
   * Which side of a copy asks. 'push': the reference is a destination, so a registry is asked as a
   * push would reach it (the named registry, the destination's credentials). 'pull': it is a
   * source, so a registry is asked where a copy would read it (registries.conf mirrors first, then
   * the primary location; the first that has it answers).
   */
  role: 'pull' | 'push'
  /**
   * Local stores only: the image counts as held only when it is complete — every blob its manifest
   * names (config and layers) is there with the size the manifest gives; for a list, every instance
   * that is there is complete too, and with `allInstances` every instance must be there. Cheap: a
   * stat per blob, no hashing. (A registry stores a manifest only after its blobs: not asked.)
   */
  complete?: { allInstances: boolean }
  /** Keeps a registry client open for later queries (see ResourceHolder); unused by local stores. */
  holder?: ResourceHolder
  signal?: AbortSignal
}

export interface ImageReference {
  readonly transport: ImageTransport
  /** The part after `transport:`. */
  stringWithinTransport(): string
  /** `transport:details`, as the user would type it. */
  toString(): string
  /** The Docker reference the image is named by, if any (policy, signatures, docker-archive tags). */
  dockerReference(): DockerReference | undefined
  /** Identity for policy.json scopes (most specific). */
  policyConfigurationIdentity(): string
  /** Less specific scopes, most specific first, for policy.json lookup. */
  policyConfigurationNamespaces(): string[]
  newImageSource(opts?: TransportOptions): Promise<ImageSource>
  newImageDestination(opts?: TransportOptions): Promise<ImageDestination>
  deleteImage?(opts?: TransportOptions): Promise<void>
  /**
   * Optional capability: the manifest the store holds under this reference's name now, found cheaply
   * — a registry MUST be asked with HEAD only (a manifest GET counts as a pull), a local store reads
   * its files (the manifest, with `complete` also a stat per blob) — so that a sync can skip an
   * image the destination already has. undefined when nothing is stored under the name (or, for a
   * local store, when what is there is unreadable or incomplete: a damaged image counts as absent,
   * so it is copied again). MUST NOT create, modify or lock anything. May throw
   * when the store cannot be asked (network, credentials); the caller decides what that means.
   * Transports without a cheap answer (archives, daemons) leave it out: callers then copy.
   */
  storedManifest?(opts: TransportOptions | undefined, query: StoredManifestQuery): Promise<StoredManifest | undefined>
  /**
   * Optional capability: copies what is attached to the manifests `digests` in this reference's
   * store to `dest`'s (a reference of the same transport): OCI referrers and/or cosign digest tags
   * (`sha256-<hex>.sig|.att|.sbom`), unchanged, skipping what `dest` already has. The copy engine
   * calls it after a copy with CopyOptions.referrers / digestTags.
   */
  copyAttached?(
    dest: ImageReference,
    digests: readonly Digest[],
    opts: AttachedCopyOptions,
  ): Promise<AttachedCopyResult>
}

/** What copyAttached copies, and where from/to. */
export interface AttachedCopyOptions {
  referrers: boolean
  digestTags: boolean
  /** Digest tag suffixes left alone (`sig` when the signature step already wrote the attachments). */
  skipDigestTags?: readonly string[]
  source?: TransportOptions
  destination?: TransportOptions
  signal?: AbortSignal
  onEvent?: (e: AttachedCopyEvent) => void
}

export type AttachedCopyEvent =
  | { type: 'referrer'; subject: Digest; digest: Digest; artifactType?: string; skipped: boolean }
  | { type: 'digest-tag'; subject: Digest; tag: string; digest: Digest; skipped: boolean }

export interface AttachedCopyResult {
  /** Referrers copied (not counting those the destination had). */
  referrers: number
  /** Digest tags copied. */
  digestTags: number
  /** Referrers and tags the destination already had. */
  skipped: number
}

export interface ImageTransport {
  /** `dir`, `oci`, `docker`, … (what comes before the first ':'). */
  readonly name: string
  /** Parses what follows `name:`; throws InvalidReferenceError with a clear message. */
  parseReference(details: string): ImageReference
  /** Validates a policy.json scope for this transport; throws if invalid. */
  validatePolicyScope(scope: string): void
}
