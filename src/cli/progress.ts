/**
 * Renders copy progress (CopyEvents) on stderr, never stdout (stdout may carry an archive): skopeo's
 * non-TTY lines ("Getting image source signatures", "Copying blob sha256:…", …) without a terminal,
 * and on a TTY animated per-blob bars that end as skopeo's "Copying blob 0123456789ab done".
 */
import type { CopyEvent } from '../copy/events.js'

export interface ProgressRenderer {
  onEvent(e: CopyEvent): void
  /** Draws the final state and stops the animation (call on success and on failure). */
  finish(): void
}

function hex12(digest: string): string {
  const i = digest.indexOf(':')
  return digest.slice(i + 1, i + 13)
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let u = 0
  let v = n
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${v}b` : `${v.toFixed(1)}${units[u]}`
}

interface Row {
  kind: 'layer' | 'config'
  digest: string
  size: number
  bytes: number
  state: 'active' | 'done' | 'skipped'
}

function rowLabel(r: Row): string {
  return `Copying ${r.kind === 'config' ? 'config' : 'blob'} ${hex12(r.digest)}`
}

function finalText(r: Row): string {
  return `${rowLabel(r)} ${r.state === 'skipped' ? 'skipped: already exists' : 'done'}`
}

/**
 * Without a terminal: skopeo's non-TTY lines, byte for byte — one line when a step starts, blobs and
 * configs with their full digest (`Copying blob sha256:…`), nothing when they finish.
 */
class LineRenderer implements ProgressRenderer {
  constructor(private readonly out: NodeJS.WritableStream) {}

  onEvent(e: CopyEvent): void {
    const line = e.type === 'blob-start' ? `Copying ${e.kind === 'config' ? 'config' : 'blob'} ${e.digest}` : lineFor(e)
    if (line !== undefined) this.out.write(`${line}\n`)
  }

  finish(): void {}
}

/** The step lines shared by both renderers (skopeo's wording). */
function lineFor(e: CopyEvent): string | undefined {
  switch (e.type) {
    case 'signatures-get':
      return e.list ? 'Getting image list signatures' : 'Getting image source signatures'
    case 'list-start':
      return `Copying ${e.copying} of ${e.total} images in list`
    case 'instance':
      return `Copying image ${e.digest} (${e.index}/${e.total})`
    case 'manifest-write':
      return e.list ? 'Writing manifest list to image destination' : 'Writing manifest to image destination'
    case 'signatures-check':
      return e.list
        ? 'Checking if image list destination supports signatures'
        : 'Checking if image destination supports signatures'
    case 'signing':
      return e.message
    case 'signatures-store':
      return e.list ? 'Storing list signatures' : 'Storing signatures'
    case 'referrer':
      return `${e.skipped ? 'Skipping' : 'Copying'} referrer ${e.digest}${e.artifactType ? ` (${e.artifactType})` : ''} of ${e.subject}${e.skipped ? ': the destination has it' : ''}`
    case 'digest-tag':
      return `${e.skipped ? 'Skipping' : 'Copying'} tag ${e.tag}${e.skipped ? ': the destination has it' : ''}`
    default:
      return undefined
  }
}

/** Bars redrawn in place (ANSI cursor movement), ~10 times a second. */
class BarRenderer implements ProgressRenderer {
  private rows: Row[] = []
  private drawn = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly out: NodeJS.WriteStream) {}

  onEvent(e: CopyEvent): void {
    switch (e.type) {
      case 'blob-start':
        this.rows.push({ kind: e.kind, digest: e.digest, size: e.size, bytes: 0, state: 'active' })
        this.schedule()
        return
      case 'blob-progress': {
        const r = this.rows.find((x) => x.digest === e.digest && x.state === 'active')
        if (r) r.bytes = e.bytes
        this.schedule()
        return
      }
      case 'blob-done': {
        let r = this.rows.find((x) => x.digest === e.digest && x.state === 'active')
        if (!r) {
          r = { kind: e.kind, digest: e.digest, size: e.size, bytes: 0, state: 'active' }
          this.rows.push(r)
        }
        r.state = e.reused ? 'skipped' : 'done'
        r.bytes = e.size
        this.schedule()
        return
      }
      default: {
        const line = lineFor(e)
        if (line === undefined) return
        // a step line ends the current group of bars: draw them final, then print below
        this.draw()
        this.rows = []
        this.drawn = 0
        this.out.write(`${line}\n`)
      }
    }
  }

  finish(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.draw()
    this.rows = []
    this.drawn = 0
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.draw()
    }, 100)
    this.timer.unref()
  }

  private bar(r: Row): string {
    if (r.state !== 'active') return finalText(r)
    const width = Math.max(20, Math.min(this.out.columns ?? 80, 120))
    const label = rowLabel(r)
    const counts = r.size > 0 ? `${formatBytes(r.bytes)} / ${formatBytes(r.size)}` : formatBytes(r.bytes)
    const barWidth = width - label.length - counts.length - 5
    if (barWidth < 10 || r.size <= 0) return `${label} ${counts}`
    const filled = Math.min(barWidth, Math.floor((r.bytes / r.size) * barWidth))
    const body =
      filled >= barWidth
        ? '='.repeat(barWidth)
        : '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? '>' : '') + '-'.repeat(barWidth - filled)
    return `${label} [${body}] ${counts}`
  }

  private draw(): void {
    if (this.rows.length === 0 && this.drawn === 0) return
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : ''
    for (const r of this.rows) s += `\r\x1b[2K${this.bar(r)}\n`
    this.out.write(s)
    this.drawn = this.rows.length
  }
}

class QuietRenderer implements ProgressRenderer {
  onEvent(): void {}
  finish(): void {}
}

export function createProgress(opts: { out: NodeJS.WriteStream; quiet: boolean; tty?: boolean }): ProgressRenderer {
  if (opts.quiet) return new QuietRenderer()
  const tty = opts.tty ?? (opts.out.isTTY === true && process.env.TERM !== 'dumb')
  return tty ? new BarRenderer(opts.out) : new LineRenderer(opts.out)
}
