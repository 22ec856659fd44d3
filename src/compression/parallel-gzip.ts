/**
 * gzip on several cores, as klauspost/pgzip (containers/image's compressor) does: the input is cut
 * into blocks, each block is deflated on its own — with the 32 KiB before it as the preset
 * dictionary, so back-references across a block boundary still work and the ratio stays that of
 * one stream — and the raw deflate outputs are concatenated: every block but the last ends with a
 * sync flush (byte-aligned, not final), the last with the final block. One gzip member, one CRC-32
 * over all input; any gunzip reads it.
 *
 * A block whose samples do not compress (already compressed or random data: zlib's level 6 spends
 * 20–60 ms per MiB on such data to gain nothing, where klauspost/compress skips ahead) is stored
 * (level 0, 5 bytes per 64 KiB) instead of deflated; the samples are four 4 KiB slices spread over
 * the block, each deflated at level 1 with the 32 KiB before it as dictionary, and the block counts
 * as incompressible when all four stay above 97% of their size.
 *
 * The blocks are deflated by zlib's asynchronous calls, which run on libuv's thread pool: no worker
 * threads, no extra code to load. At most `concurrency` blocks are in flight (memory is bounded by
 * about 2 × concurrency × blockSize); the output order is the input order; the bytes depend only
 * on the input, the level and the block size, never on timing.
 */
import { Transform, type TransformCallback } from 'node:stream'
import { availableParallelism } from 'node:os'
import { constants as zc, crc32, deflateRaw, deflateRawSync, type ZlibOptions } from 'node:zlib'
import { promisify } from 'node:util'

const deflateRawAsync = promisify(deflateRaw) as (buf: Buffer, opts: ZlibOptions) => Promise<Buffer>

const WINDOW = 32 * 1024
const SAMPLE = 4096
const SAMPLES = 4
export const PGZIP_BLOCK = 1024 * 1024

/**
 * True when every sample of `data` stays above 97% of its size at level 1 (see the top). Each
 * sample is deflated with the 32 KiB before it (`before`, then the block itself) as dictionary, as
 * deflate would see it: data that repeats within the window is not taken for noise.
 */
export function looksIncompressible(data: Buffer, before?: Buffer): boolean {
  if (data.length < SAMPLE * SAMPLES) return false
  const step = Math.floor((data.length - SAMPLE) / (SAMPLES - 1))
  for (let i = 0; i < SAMPLES; i++) {
    const at = i * step
    const window =
      at >= WINDOW
        ? data.subarray(at - WINDOW, at)
        : Buffer.concat([before ?? Buffer.alloc(0), data.subarray(0, at)]).subarray(-WINDOW)
    const sample = data.subarray(at, at + SAMPLE)
    const z = deflateRawSync(sample, { level: 1, ...(window.length ? { dictionary: window } : {}) })
    if (z.length < SAMPLE * 0.97) return false
  }
  return true
}

/** The gzip header zlib writes on Unix: no name, no mtime, OS = 3. */
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])

export interface ParallelGzipOptions {
  /** zlib level 1–9; zlib's default (6) when undefined. */
  level?: number | undefined
  blockSize?: number
  /** Blocks in flight; by default the cores there are, at most 3 (the pool has 4 threads, fs needs one). */
  concurrency?: number
}

export class ParallelGzip extends Transform {
  private readonly level: number
  private readonly blockSize: number
  private readonly concurrency: number
  private block: Buffer
  private filled = 0
  private tail: Buffer | undefined
  private crc = 0
  private size = 0
  private readonly inFlight: Promise<Buffer>[] = []
  private started = false

  constructor(opts: ParallelGzipOptions = {}) {
    super()
    this.level = opts.level ?? zc.Z_DEFAULT_COMPRESSION
    this.blockSize = opts.blockSize ?? PGZIP_BLOCK
    this.concurrency = Math.max(1, opts.concurrency ?? Math.min(availableParallelism(), 3))
    this.block = Buffer.allocUnsafe(this.blockSize)
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.consume(chunk).then(() => done(), done)
  }

  override _flush(done: TransformCallback): void {
    this.finish().then(() => done(), done)
  }

  private header(): void {
    if (this.started) return
    this.started = true
    this.push(HEADER)
  }

  private async consume(chunk: Buffer): Promise<void> {
    this.header()
    let off = 0
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, this.blockSize - this.filled)
      chunk.copy(this.block, this.filled, off, off + n)
      this.filled += n
      off += n
      if (this.filled === this.blockSize) await this.dispatch(false)
    }
  }

  /** Starts deflating the filled block; waits (pushing finished output) while too many are in flight. */
  private async dispatch(last: boolean): Promise<void> {
    const data = this.block.subarray(0, this.filled)
    this.crc = crc32(data, this.crc)
    this.size += data.length
    const opts: ZlibOptions = {
      level: this.level !== 0 && looksIncompressible(data, this.tail) ? zc.Z_NO_COMPRESSION : this.level,
      finishFlush: last ? zc.Z_FINISH : zc.Z_SYNC_FLUSH,
      ...(this.tail ? { dictionary: this.tail } : {}),
    }
    const job = deflateRawAsync(data, opts)
    job.catch(() => undefined) // awaited in order below
    this.inFlight.push(job)
    // the next block's dictionary: the last 32 KiB of input so far (this block, or with the one before)
    this.tail =
      data.length >= WINDOW
        ? Buffer.from(data.subarray(data.length - WINDOW))
        : Buffer.concat([this.tail ?? Buffer.alloc(0), data]).subarray(-WINDOW)
    this.block = Buffer.allocUnsafe(this.blockSize) // the old one is owned by its job now
    this.filled = 0
    while (this.inFlight.length >= this.concurrency) this.push(await this.inFlight.shift()!)
  }

  private async finish(): Promise<void> {
    this.header()
    await this.dispatch(true)
    while (this.inFlight.length) this.push(await this.inFlight.shift()!)
    const trailer = Buffer.alloc(8)
    trailer.writeUInt32LE(this.crc >>> 0, 0)
    trailer.writeUInt32LE(this.size % 2 ** 32, 4)
    this.push(trailer)
  }
}
