/**
 * What a sync reports while it runs, as data: the CLI renders these (lines, bars, NDJSON). Every
 * engine CopyEvent is forwarded tagged with the image it belongs to.
 */
import type { CopyEvent } from '../copy/events.js'
import type { ImageResult, SyncSummary } from './types.js'

export type SyncEvent =
  /** One more image was planned (after the whole plan was read and checked); `planned` counts them so far. */
  | { type: 'image-planned'; index: number; source: string; destination: string; label: string; planned: number }
  /** Planning finished: `total` images (the final N of "n/N"). */
  | { type: 'plan-done'; total: number; error?: string }
  /** A warning that does not fail the sync (a YAML repository skipped, …). */
  | { type: 'warning'; message: string }
  /** An image starts (presence check, then copy). */
  | { type: 'image-start'; index: number; source: string; destination: string; label: string }
  /**
   * An image is finished: copied, skipped (present / dry-run) or failed. `done` counts finished
   * images; `position` is its place in its source group (skopeo's "image ref N/M").
   */
  | ({
      type: 'image-done'
      label: string
      done: number
      total?: number
      position?: { n: number; of: number }
    } & ImageResult)
  /** An engine event of image `index`. */
  | { type: 'copy'; index: number; event: CopyEvent }
  | { type: 'sync-done'; summary: SyncSummary }
