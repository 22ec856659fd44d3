/**
 * Progress of a bulk copy (sync), rendered from SyncEvents on stderr:
 * - 'tty': one line per image in flight with a bar, and a total line (images n/N, bytes, rate,
 *   ETA), redrawn in place; finished images scroll above as one line each;
 * - 'lines' (not a TTY, CI): one line per finished image with its result, and every few seconds
 *   `Progress: 37/143 images, 812 MiB copied, 310 MiB reused, 95 MiB/s`; no control codes;
 * - 'json': every event as one NDJSON line;
 * - 'none': nothing but failures and the summary.
 * Each mode ends with a summary (copied / skipped / failed, bytes moved and reused, time).
 */
import type { SyncEvent } from '../sync/events.js'
import type { ImageResult } from '../sync/types.js'
import { BulkTally, type InFlight } from './bulk-progress-state.js'
import { logrusLine } from './logrus-line.js'

export type BulkProgressMode = 'tty' | 'lines' | 'json' | 'none'

export interface BulkProgressOptions {
  mode: BulkProgressMode
  /** Where to write (stderr). */
  out: { write(s: string): unknown; columns?: number }
  /** Clock in ms (tests pass a fake one). Default Date.now. */
  now?: () => number
  /** Redraw / status-line timer; false: the caller calls tick() (tests). Default true. */
  timer?: boolean
  /** 'lines': ms between status lines. Default 5000. */
  statusEveryMs?: number
  /** 'tty': ms between redraws. Default 200. */
  redrawEveryMs?: number
  /** 'tty': image lines shown at most (the rest are counted). Default 10. */
  maxRows?: number
  /**
   * --dry-run: each image as skopeo's log line, in plan order (`… level=info msg="Would have
   * copied image ref 1/7" from="docker://…" to="dir:…"`); failures as in a real sync.
   */
  dryRun?: boolean
}

export interface BulkProgress {
  onEvent(e: SyncEvent): void
  /** Called by the timer: a redraw (tty) or a status line when due (lines). */
  tick(): void
  /** Stops the timer, clears the live lines and prints the summary. Idempotent. */
  finish(): void
}

/** Which mode `--progress` (auto | tty | plain | json | none) means on this stream. */
export function bulkProgressMode(flag: string | undefined, isTTY: boolean | undefined): BulkProgressMode {
  switch (flag) {
    case 'json':
      return 'json'
    case 'none':
    case 'quiet':
      return 'none'
    case 'plain':
    case 'lines':
      return 'lines'
    case 'tty':
      return 'tty'
    default:
      return isTTY && process.env.TERM !== 'dumb' ? 'tty' : 'lines'
  }
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function humanBytes(n: number): string {
  let v = Math.max(0, n)
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024
    u++
  }
  return `${u === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)} ${UNITS[u]}`
}

export function humanDuration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)}s`
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

function shortDigest(d: string | undefined): string {
  return d ? d.slice(0, 19) : ''
}

/**
 * A --dry-run image as skopeo logs it: `Would have copied image ref N/M` (M images in its source
 * group) with from= and to=; an image the destination already holds says so (skiff would skip it).
 */
export function dryRunLine(e: ImageResult & { position?: { n: number; of: number } }, now = new Date()): string {
  const pos = e.position ? `${e.position.n}/${e.position.of}` : `${e.index + 1}`
  const fields = { from: e.source, to: e.destination }
  if (e.reason === 'present')
    return logrusLine(
      'info',
      `Would have skipped image ref ${pos}: already present at the destination`,
      { ...fields, ...(e.digest ? { digest: e.digest } : {}) },
      now,
    )
  return logrusLine('info', `Would have copied image ref ${pos}`, fields, now)
}

/** `copied app:v1 sha256:0123456789ab (12.3 MiB sent, 4.0 MiB reused, 1.2s)` etc. */
export function resultLine(r: ImageResult & { label: string }): string {
  const t = humanDuration(r.ms / 1000)
  if (r.result === 'failed') return `failed  ${r.label}: ${r.error ?? 'unknown error'}`
  if (r.result === 'skipped')
    return `skipped ${r.label}: ${r.reason === 'dry-run' ? 'dry run' : 'already present'}${r.digest ? ` ${shortDigest(r.digest)}` : ''}`
  return `copied  ${r.label} ${shortDigest(r.digest)} (${humanBytes(r.bytesCopied)} sent, ${humanBytes(r.bytesReused)} reused, ${t})`
}

class Renderer implements BulkProgress {
  private readonly now: () => number
  private readonly tally: BulkTally
  private timerHandle: NodeJS.Timeout | undefined
  private lastStatus: number
  private drawn = 0
  private finished = false
  /** --dry-run: finished images' lines waiting for the ones planned before them. */
  private readonly pending = new Map<number, string>()
  private nextIndex = 0

  constructor(private readonly o: BulkProgressOptions) {
    this.now = o.now ?? Date.now
    this.tally = new BulkTally(this.now())
    this.lastStatus = this.now()
    if (o.timer !== false && (o.mode === 'tty' || o.mode === 'lines')) {
      const every = o.mode === 'tty' ? (o.redrawEveryMs ?? 200) : Math.min(1000, o.statusEveryMs ?? 5000)
      this.timerHandle = setInterval(() => this.tick(), every)
      this.timerHandle.unref()
    }
  }

  private write(s: string): void {
    this.o.out.write(s)
  }

  onEvent(e: SyncEvent): void {
    if (this.finished) return
    const now = this.now()
    this.tally.apply(e, now)
    const mode = this.o.mode
    if (mode === 'json') {
      this.write(`${JSON.stringify(e)}\n`)
      return
    }
    if (e.type === 'warning') this.above(`warning: ${e.message}`)
    else if (e.type === 'plan-done' && e.error) this.above(`failed to plan: ${e.error}`)
    else if (e.type === 'image-done') {
      if (this.o.dryRun) {
        const shown = mode !== 'none' || e.result === 'failed'
        this.pending.set(
          e.index,
          !shown
            ? ''
            : e.result === 'skipped'
              ? dryRunLine(e, new Date(now))
              : `[${e.done}/${this.tally.expected}] ${resultLine(e)}`,
        )
        this.flushInOrder(false)
      } else if (mode !== 'none' || e.result === 'failed')
        this.above(`[${e.done}/${this.tally.expected}] ${resultLine(e)}`)
    }
    if (e.type === 'sync-done') this.finish()
  }

  /** --dry-run lines in plan order; `all` (at the end): also those after images that never ran. */
  private flushInOrder(all: boolean): void {
    for (;;) {
      const line = this.pending.get(this.nextIndex)
      if (line === undefined) {
        if (!all || this.pending.size === 0) return
        this.nextIndex = Math.min(...this.pending.keys())
        continue
      }
      this.pending.delete(this.nextIndex)
      this.nextIndex++
      if (line !== '') this.above(line)
    }
  }

  /** A permanent line: on a TTY above the live block (which is redrawn after it). */
  private above(line: string): void {
    if (this.o.mode === 'tty') {
      this.clearLive()
      this.write(`${this.fit(line)}\n`)
      this.draw()
    } else this.write(`${line}\n`)
  }

  tick(): void {
    if (this.finished) return
    const now = this.now()
    if (this.o.mode === 'tty') {
      this.clearLive()
      this.draw()
    } else if (this.o.mode === 'lines' && now - this.lastStatus >= (this.o.statusEveryMs ?? 5000)) {
      this.lastStatus = now
      this.write(`${this.statusLine(now)}\n`)
    }
  }

  statusLine(now: number): string {
    const t = this.tally
    const rate = t.rate(now)
    return `Progress: ${t.done}/${t.expected} images, ${humanBytes(t.bytesCopied)} copied, ${humanBytes(t.bytesReused)} reused, ${humanBytes(rate)}/s`
  }

  private get width(): number {
    return Math.max(40, (this.o.out.columns ?? 80) - 1)
  }

  private fit(s: string): string {
    return s.length > this.width ? `${s.slice(0, this.width - 1)}…` : s
  }

  private imageLine(r: InFlight): string {
    const barWidth = 20
    const known = r.size > 0
    const frac = known ? Math.min(1, (r.copied + r.reused) / r.size) : 0
    const full = Math.round(frac * barWidth)
    const bar = known
      ? `${'='.repeat(Math.max(0, full - 1))}${full > 0 ? (frac >= 1 ? '=' : '>') : ''}${' '.repeat(barWidth - full)}`
      : '-'.repeat(barWidth)
    const sizes = known ? `${humanBytes(r.copied + r.reused)} / ${humanBytes(r.size)}` : humanBytes(r.copied + r.reused)
    const labelWidth = Math.max(10, this.width - barWidth - 30)
    const label = r.label.length > labelWidth ? `…${r.label.slice(-(labelWidth - 1))}` : r.label.padEnd(labelWidth)
    return `${label} [${bar}] ${sizes}`
  }

  private draw(): void {
    if (this.finished) return
    const t = this.tally
    const now = this.now()
    const rows = [...t.inFlight.values()].sort((a, b) => a.index - b.index)
    const max = this.o.maxRows ?? 10
    const lines = rows.slice(0, max).map((r) => this.fit(this.imageLine(r)))
    if (rows.length > max) lines.push(`… and ${rows.length - max} more in flight`)
    const eta = t.eta(now)
    const total = `Images ${t.done}/${t.expected} · ${humanBytes(t.bytesCopied)} copied · ${humanBytes(t.bytesReused)} reused · ${humanBytes(t.rate(now))}/s${eta !== undefined ? ` · ETA ${humanDuration(eta)}` : ''}`
    lines.push(this.fit(total))
    this.write(lines.map((l) => `${l}\x1b[K`).join('\n') + '\n')
    this.drawn = lines.length
  }

  private clearLive(): void {
    if (this.drawn > 0) this.write(`\x1b[${this.drawn}A\x1b[J`)
    this.drawn = 0
  }

  finish(): void {
    if (this.finished) return
    if (this.o.dryRun) this.flushInOrder(true)
    if (this.timerHandle) clearInterval(this.timerHandle)
    if (this.o.mode === 'tty') this.clearLive()
    this.finished = true
    if (this.o.mode === 'json') return
    this.write(`${this.summaryLine()}\n`)
  }

  summaryLine(): string {
    const t = this.tally
    const s = t.summary
    const secs = (s ? s.ms : this.now() - t.started) / 1000
    const copied = s?.copied ?? t.copied
    const skipped = s?.skipped ?? t.skipped
    const failed = s?.failed ?? t.failed
    const notStarted = s ? s.notStarted : Math.max(0, t.expected - t.done)
    const bytes = s?.bytesCopied ?? t.bytesCopied
    const reused = s?.bytesReused ?? t.bytesReused
    const rate = secs > 0 ? bytes / secs : 0
    return `Summary: ${copied} copied, ${skipped} skipped, ${failed} failed${notStarted ? `, ${notStarted} not started` : ''}; ${humanBytes(bytes)} copied, ${humanBytes(reused)} reused in ${humanDuration(secs)} (${humanBytes(rate)}/s)`
  }
}

export function createBulkProgress(o: BulkProgressOptions): BulkProgress {
  return new Renderer(o)
}
