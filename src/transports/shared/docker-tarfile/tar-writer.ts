/**
 * Sequential tar writing onto any Writable (a file, a FIFO, an HTTP request body) with tar-stream.
 * Entries are written one at a time; a file entry needs its size before its data. Headers mirror
 * containers/image's: mode 0444, mtime 0, uid/gid 0.
 */
import type { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { pack, type Header, type Pack } from 'tar-stream'
import { SkiffError } from '../../../errors.js'

const BASE: Partial<Header> = { mode: 0o444, mtime: new Date(0), uid: 0, gid: 0 }

export class TarWriter {
  private readonly pack: Pack = pack()
  private readonly done: Promise<void>
  private failure: unknown
  private finished = false
  private aborted = false
  /** Set when the output (file, pipe, request) failed, as opposed to an entry's input. */
  outputFailed = false

  constructor(out: Writable) {
    // tar-stream's Pack is a streamx Readable; pipeline consumes it as an async iterable.
    this.done = pipeline(this.pack as unknown as NodeJS.ReadableStream, out)
    this.done.catch((e: unknown) => {
      this.failure ??= e
      if (!this.aborted) this.outputFailed = true
    })
  }

  /** Writes a file entry of exactly `size` bytes from `stream`. */
  async addFile(
    name: string,
    size: number,
    stream: Readable | AsyncIterable<Buffer> | Iterable<Buffer>,
    signal?: AbortSignal,
  ): Promise<void> {
    this.check()
    const entryDone = this.entryPromise()
    const entry = this.pack.entry({ ...BASE, name, size, type: 'file' }, entryDone.callback)
    // The entry's failure arrives through entryDone / this.done; never as an unhandled 'error' event.
    entry.on('error', () => undefined)
    let written = 0
    try {
      for await (const c of stream) {
        const chunk = c as Buffer
        signal?.throwIfAborted()
        written += chunk.length
        if (written > size)
          throw new SkiffError('ERR_SIZE_MISMATCH', `${name}: more data than the expected ${size} bytes`)
        if (!entry.write(chunk)) await this.race(new Promise<void>((r) => entry.once('drain', () => r(undefined))))
      }
      if (written !== size)
        throw new SkiffError(
          'ERR_SIZE_MISMATCH',
          `${name}: got ${written} bytes, expected ${size}; the source is truncated`,
        )
      entry.end(undefined)
      await this.race(entryDone.promise)
    } catch (e) {
      // A partial entry corrupts the archive: nothing more can be written to it.
      this.failure ??= e
      this.abort()
      throw e
    }
  }

  async addBytes(name: string, bytes: Buffer): Promise<void> {
    await this.addFile(name, bytes.length, [bytes])
  }

  async addSymlink(name: string, target: string): Promise<void> {
    this.check()
    const entryDone = this.entryPromise()
    this.pack.entry({ ...BASE, name, type: 'symlink', linkname: target, mode: 0o777 }, entryDone.callback)
    await this.race(entryDone.promise)
  }

  /** Writes the end-of-archive marker and waits until the output has everything. */
  async finish(): Promise<void> {
    this.check()
    this.finished = true
    this.pack.finalize()
    await this.done
  }

  /** Stops writing; the output is left incomplete (the caller discards it). */
  abort(): void {
    this.aborted = true
    this.finished = true
    this.pack.destroy()
  }

  private check(): void {
    if (this.failure !== undefined) {
      throw new SkiffError(
        'ERR_IO',
        `writing the archive failed earlier: ${(this.failure as Error).message ?? String(this.failure)}`,
        { cause: this.failure },
      )
    }
    if (this.finished) throw new SkiffError('ERR_INVALID_ARGUMENT', 'the archive is already finished')
  }

  private entryPromise(): { promise: Promise<void>; callback: (err?: Error | null) => void } {
    let callback!: (err?: Error | null) => void
    const promise = new Promise<void>((resolve, reject) => {
      callback = (err) => (err ? reject(err) : resolve())
    })
    // An aborted archive rejects entries nobody waits for any more; that is not an error of its own.
    promise.catch(() => undefined)
    return { promise, callback }
  }

  /** Waits for `p`, failing early if the output fails meanwhile. */
  private race(p: Promise<void>): Promise<void> {
    return Promise.race([p, this.done.then(() => p)])
  }
}
