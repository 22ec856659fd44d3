/**
 * The sync planner's vocabulary: what to read (a SourceSpec), where to write (a DestSpec), and the
 * planned items (one image each) the executor copies through the engine.
 */
import type { ImageReference, TransportOptions } from '../transports/types.js'
import type { TagMatcher } from './filters.js'
import type { RetryBudget } from '../util/retry.js'
import type { Shard } from './shard.js'

/**
 * `--src`: a repository or image in a registry, a directory tree, an OCI layout, a YAML file, an
 * image list, a registry's filesystem storage (docker/distribution's layout).
 */
export type SyncSourceKind =
  'docker' | 'dir' | 'oci' | 'yaml' | 'list' | 'registry-storage' | 'registry-storage-archive'
/** `--dest`: a registry (and namespace), a directory, an OCI layout, a registry's filesystem storage. */
export type SyncDestKind = 'docker' | 'dir' | 'oci' | 'registry-storage' | 'registry-storage-archive'

export interface SyncSourceSpec {
  kind: SyncSourceKind
  /** The SOURCE argument: `host/repo[:tag|@digest]`, a directory, a layout, a YAML file, a list file. */
  input: string
  /** How to reach the source registry (the yaml source overrides credentials/TLS per registry). */
  options?: TransportOptions
  /** `--src list`: the registry for lines without one (default docker.io). */
  registry?: string
  /**
   * `--images-from LIST` (registry-storage and registry-storage-archive sources): an image-list file, or a folder whose `*.list`
   * files are read; only the images it names are synced (by repository path and tag or digest).
   */
  imagesFrom?: string
}

export interface SyncDestSpec {
  kind: SyncDestKind
  /** The DESTINATION argument: `host[/namespace]`, a directory, a layout. */
  target: string
  options?: TransportOptions
}

export interface PlanOptions {
  /** --scoped: prefix destinations with the full source path (registry included). */
  scoped?: boolean
  /** --append-suffix: appended to every destination (after the tag). */
  appendSuffix?: string
  /** --include-tags REGEX: only tags matching (compileTagRegex: Go syntax, unanchored as Go's MatchString). */
  includeTags?: TagMatcher
  /** --exclude-tags REGEX: drop tags matching. */
  excludeTags?: TagMatcher
  /** --shard-index/--shard-count: keep only the images whose destination repository is in this shard (shard.ts). */
  shard?: Shard
  signal?: AbortSignal
  /** Problems that skip part of the source without failing the sync (as skopeo's yaml source logs them). */
  onWarning?: (message: string) => void
  /** Wraps the listing of a repository's tags (skopeo retries it with --retry-times), handing it its retry budget. */
  retry?: <T>(fn: (budget?: RetryBudget) => Promise<T>) => Promise<T>
}

/** One image to sync. */
export interface SyncItem {
  source: ImageReference
  destination: ImageReference
  /** Short name for progress lines: the destination path below DESTINATION, e.g. `app:v1`. */
  label: string
  /** Source access for this item when it differs from the spec's (yaml: per-registry credentials, TLS, certs). */
  sourceOptions?: TransportOptions
  /** The source group (repository, directory, layout) it was found in; skopeo's "from N sources" counts these. */
  group: string
}

export type SyncResultKind = 'copied' | 'skipped' | 'failed'

export interface ImageResult {
  index: number
  source: string
  destination: string
  /** The manifest digest at the destination (copied or found present). */
  digest?: string
  result: SyncResultKind
  /** Why a skipped image was skipped. */
  reason?: 'present' | 'dry-run'
  error?: string
  /** Bytes transferred / reused (blobs found at the destination or mounted). */
  bytesCopied: number
  bytesReused: number
  ms: number
}

export interface SyncSummary {
  images: ImageResult[]
  copied: number
  skipped: number
  failed: number
  /** Planned images never started (after a failure without --keep-going, or on abort). */
  notStarted: number
  bytesCopied: number
  bytesReused: number
  ms: number
  /** Distinct sources (repositories, directories, registries) the plan read, as skopeo's "from N sources". */
  sources: number
  /** A failure that stopped the planning itself (listing tags, reading the YAML), if any. */
  planError?: string
  /** The shard this summary covers (--shard-index/--shard-count); absent for a whole sync. */
  shard?: Shard
}

/**
 * A kind pair that copies images itself, without the engine (registry-storage → registry-storage:
 * hardlinks at file-system speed; → registry-storage-archive: one tar). runSync hands it every item;
 * it returns undefined for an item it leaves to the engine.
 */
export interface SyncBatch {
  copy(item: SyncItem, ctx: SyncBatchContext): Promise<SyncBatchResult | undefined>
  /**
   * After every image: makes the result visible (the store's tags, the archive's rename). `complete`:
   * no image failed and nothing was aborted.
   */
  finish(outcome: { complete: boolean; keepGoing: boolean }): Promise<void>
  /** Leaves nothing visible that is not already (an aborted sync). Idempotent. */
  discard(): Promise<void>
}

export interface SyncBatchContext {
  force: boolean
  dryRun: boolean
  signal?: AbortSignal
  /** Engine-style events for the progress display (blob-start/progress/done). */
  onEvent: (e: import('../copy/events.js').CopyEvent) => void
  /**
   * The trust policy's check of the item's source, as the engine makes it (rejects with
   * PolicyDeniedError): a batch calls it before it writes anything of an image.
   */
  checkPolicy: () => Promise<void>
}

export interface SyncBatchResult {
  result: 'copied' | 'present' | 'dry-run'
  digest: string
  bytesCopied: number
  bytesReused: number
}
