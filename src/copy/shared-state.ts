/**
 * State shared by every copy of one process run (a sync: many images, `jobs` at once), passed as
 * `CopyOptions.shared`:
 * - one transfer in flight per (destination blob store, blob): an image that needs a blob another
 *   image is already sending to the same registry waits for it, then reuses it (a mount from the
 *   repository it went to, or nothing at all in the same repository) instead of sending it again;
 * - finished transfers are remembered, so later images reuse them the same way;
 * - at most `transfersPerStore` blob transfers at once per blob store (registry host), whatever the
 *   number of images in flight.
 * - local files holding blobs written by earlier copies (ImageDestination.localBlobPath: dir:), so a
 *   later image on the same filesystem hardlinks the file instead of writing the bytes again.
 * A destination takes part when it names its store (ImageDestination.blobStoreId).
 * It also carries the run's context (registry clients, blob locations for mounts), which copies
 * given this state use when they name none.
 */
import { limiter, type Limiter } from './limit.js'
import type { CopiedBlob } from './blob.js'
import { newContext, type SkiffContext } from '../registry/context.js'
import { abortable } from '../util/retry.js'

export interface SharedCopyStateOptions {
  /** Blob transfers (reuse checks and uploads) at once per blob store. Default 8. */
  transfersPerStore?: number
  /** The run's context; default a fresh one. */
  context?: SkiffContext
}

export interface SharedCopyStats {
  /** Transfers this state started (reuse check + upload when needed). */
  transfers: number
  /** Times an image waited for another image's transfer of the same blob. */
  waits: number
  /** Blobs reused from an earlier transfer of this process (mount or already present). */
  reusedFromEarlier: number
}

export interface SharedCopyState {
  readonly stats: SharedCopyStats
  /** The context of the run: copies given this state and no context of their own use it. */
  readonly context: SkiffContext
  /**
   * Runs `transfer` for (store, key) unless one ran or runs already: then waits for it and tries
   * `reuse` with its result, falling back to a transfer of its own when reuse fails.
   */
  run(
    store: string,
    key: string,
    transfer: () => Promise<CopiedBlob>,
    reuse: (done: CopiedBlob) => Promise<CopiedBlob | undefined>,
    signal?: AbortSignal,
  ): Promise<CopiedBlob>
  /** Remembers where a blob this run stored can be found as a local file (`locate` says where it is now, or undefined). */
  rememberLocalBlob(digest: string, locate: () => Promise<string | undefined>): void
  /** A local file holding `digest` that an earlier copy of this run stored, if one still exists. */
  findLocalBlob(digest: string): Promise<string | undefined>
}

class SharedState implements SharedCopyState {
  readonly stats: SharedCopyStats = { transfers: 0, waits: 0, reusedFromEarlier: 0 }
  /** In-flight and finished transfers by `store|key`; failed ones are removed. */
  private readonly transfers = new Map<string, Promise<CopiedBlob>>()
  private readonly limits = new Map<string, Limiter>()
  /** digest → places a copy of this run stored it (most recent last). */
  private readonly localBlobs = new Map<string, (() => Promise<string | undefined>)[]>()

  constructor(
    private readonly perStore: number,
    readonly context: SkiffContext,
  ) {}

  private limit(store: string): Limiter {
    let l = this.limits.get(store)
    if (!l) this.limits.set(store, (l = limiter(this.perStore)))
    return l
  }

  rememberLocalBlob(digest: string, locate: () => Promise<string | undefined>): void {
    const l = this.localBlobs.get(digest)
    if (l) l.push(locate)
    else this.localBlobs.set(digest, [locate])
  }

  async findLocalBlob(digest: string): Promise<string | undefined> {
    for (const locate of this.localBlobs.get(digest) ?? []) {
      try {
        const p = await locate()
        if (p !== undefined) return p
      } catch {
        // gone (an image that failed and was cleaned up): try the next
      }
    }
    return undefined
  }

  async run(
    store: string,
    key: string,
    transfer: () => Promise<CopiedBlob>,
    reuse: (done: CopiedBlob) => Promise<CopiedBlob | undefined>,
    signal?: AbortSignal,
  ): Promise<CopiedBlob> {
    const k = `${store}|${key}`
    for (;;) {
      const prev = this.transfers.get(k)
      if (prev) {
        this.stats.waits++
        const done = await abortable(prev, signal).catch((e: unknown) => {
          if (signal?.aborted) throw e
          return undefined // the other image failed: do it here
        })
        if (done) {
          const reused = await this.limit(store)(() => reuse(done))
          if (reused) {
            this.stats.reusedFromEarlier++
            return reused
          }
        }
        // Another image may have started a new transfer meanwhile: wait for that one instead.
        if (this.transfers.get(k) !== prev && this.transfers.has(k)) continue
      }
      this.stats.transfers++
      const mine = this.limit(store)(transfer)
      this.transfers.set(k, mine)
      mine.catch(() => {
        if (this.transfers.get(k) === mine) this.transfers.delete(k)
      })
      return mine
    }
  }
}

export function createSharedCopyState(opts: SharedCopyStateOptions = {}): SharedCopyState {
  const n = opts.transfersPerStore ?? 8
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`transfersPerStore must be a positive integer, got ${n}`)
  return new SharedState(n, opts.context ?? newContext())
}
