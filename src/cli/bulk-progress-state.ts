/**
 * The tally behind the bulk (sync) progress display: images planned / in flight / finished, bytes
 * copied and reused, a rate over the last seconds and an ETA. Pure: time comes from the caller.
 */
import type { CopyEvent } from '../copy/events.js'
import type { SyncEvent } from '../sync/events.js'
import type { SyncSummary } from '../sync/types.js'

export interface InFlight {
  index: number
  label: string
  started: number
  /** Sum of the known sizes of the blobs started so far. */
  size: number
  /** Bytes sent (finished blobs + progress of those in flight). */
  copied: number
  reused: number
  /** Progress of blobs in flight, by digest. */
  blobs: Map<string, { size: number; bytes: number }>
}

const RATE_WINDOW_MS = 5_000

export class BulkTally {
  total: number | undefined
  planned = 0
  done = 0
  copied = 0
  skipped = 0
  failed = 0
  /** Bytes of finished images (authoritative, from image-done). */
  private finishedCopied = 0
  private finishedReused = 0
  readonly inFlight = new Map<number, InFlight>()
  summary: SyncSummary | undefined
  private readonly samples: Array<{ t: number; bytes: number }> = []

  constructor(readonly started: number) {}

  apply(e: SyncEvent, now: number): void {
    switch (e.type) {
      case 'image-planned':
        this.planned = Math.max(this.planned, e.planned)
        break
      case 'plan-done':
        this.total = e.total
        break
      case 'image-start':
        this.inFlight.set(e.index, {
          index: e.index,
          label: e.label,
          started: now,
          size: 0,
          copied: 0,
          reused: 0,
          blobs: new Map(),
        })
        break
      case 'copy': {
        const row = this.inFlight.get(e.index)
        if (row) applyCopy(row, e.event)
        break
      }
      case 'image-done':
        this.inFlight.delete(e.index)
        this.done = Math.max(this.done + 1, e.done)
        if (e.total !== undefined) this.total = e.total
        this[e.result]++
        this.finishedCopied += e.bytesCopied
        this.finishedReused += e.bytesReused
        break
      case 'sync-done':
        this.summary = e.summary
        break
      default:
        break
    }
  }

  get bytesCopied(): number {
    let n = this.finishedCopied
    for (const r of this.inFlight.values()) n += r.copied
    return n
  }

  get bytesReused(): number {
    let n = this.finishedReused
    for (const r of this.inFlight.values()) n += r.reused
    return n
  }

  /** The N of n/N: the plan's total once known, else what is planned so far. */
  get expected(): number {
    return this.total ?? Math.max(this.planned, this.done + this.inFlight.size)
  }

  /** Records a sample (call at each redraw / status line) and returns bytes per second. */
  rate(now: number): number {
    const bytes = this.bytesCopied
    this.samples.push({ t: now, bytes })
    while (this.samples.length > 2 && this.samples[1]!.t <= now - RATE_WINDOW_MS) this.samples.shift()
    const first = this.samples[0]!
    const dt = now - first.t
    if (dt >= 500) return ((bytes - first.bytes) * 1000) / dt
    const all = now - this.started
    return all > 0 ? (bytes * 1000) / all : 0
  }

  /** Seconds left, from the average time per finished image so far; undefined when unknown. */
  eta(now: number): number | undefined {
    if (this.total === undefined || this.done === 0) return undefined
    const left = this.total - this.done
    if (left <= 0) return 0
    return ((now - this.started) / 1000 / this.done) * left
  }
}

function applyCopy(row: InFlight, e: CopyEvent): void {
  switch (e.type) {
    case 'blob-start':
      if (!row.blobs.has(e.digest)) {
        row.blobs.set(e.digest, { size: e.size, bytes: 0 })
        if (e.size > 0) row.size += e.size
      }
      break
    case 'blob-progress': {
      const b = row.blobs.get(e.digest)
      if (b && e.bytes > b.bytes) {
        row.copied += e.bytes - b.bytes
        b.bytes = e.bytes
      }
      break
    }
    case 'blob-done': {
      const b = row.blobs.get(e.digest)
      const sent = b?.bytes ?? 0
      if (e.reused) {
        row.copied -= sent
        row.reused += e.size > 0 ? e.size : 0
      } else if (e.size > sent) row.copied += e.size - sent
      if (b && b.size <= 0 && e.size > 0) row.size += e.size
      row.blobs.delete(e.digest)
      break
    }
    default:
      break
  }
}
