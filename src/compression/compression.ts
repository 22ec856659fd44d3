/**
 * Layer compression: detection by magic bytes, and (de)compressing streams for gzip and zstd.
 * zstd comes from a native addon loaded only when a zstd stream is actually needed. xz and bzip2
 * are decompress-only (as in containers/image), through the system programs (./external.ts).
 */
import { createRequire } from 'node:module'
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream'
import { constants as zc, createGunzip, createGzip } from 'node:zlib'
import { SkiffError } from '../errors.js'
import { ZLIB_CHUNK } from '../util/io.js'
import { externalDecompressor, type ExternalOptions } from './external.js'

export type Compression = 'gzip' | 'zstd' | 'none' | 'bzip2' | 'xz'

const MAGIC: Array<[Compression, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
]

/** Detects compression from the first bytes (at least 6 are needed to tell every format apart). */
export function detectCompression(head: Uint8Array): Compression {
  for (const [name, magic] of MAGIC) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return name
  }
  return 'none'
}

/**
 * Reads the first `n` bytes of a stream without losing them: resolves with those bytes (fewer at
 * end of stream) and a stream that yields everything. Errors and early destruction propagate
 * both ways.
 */
export function peek(stream: Readable, n = 8): Promise<{ head: Buffer; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let have = 0
    let done = false
    const finish = (ended: boolean): void => {
      if (done) return
      done = true
      stream.off('readable', onReadable)
      stream.off('end', onEnd)
      stream.off('error', onError)
      const all = Buffer.concat(chunks)
      const out = new PassThrough()
      if (all.length) out.write(all)
      if (ended) out.end()
      else pipeline(stream, out, () => {})
      resolve({ head: all.subarray(0, n), stream: out })
    }
    const onReadable = (): void => {
      let c: Buffer | null
      while (have < n && (c = stream.read() as Buffer | null) !== null) {
        chunks.push(c)
        have += c.length
      }
      if (have >= n) finish(false)
    }
    const onEnd = (): void => finish(true)
    const onError = (e: Error): void => {
      if (done) return
      done = true
      stream.off('readable', onReadable)
      stream.off('end', onEnd)
      reject(e)
    }
    stream.on('readable', onReadable)
    stream.once('end', onEnd)
    stream.once('error', onError)
  })
}

interface ZstdModule {
  CompressStream: new (p?: { compressionLevel?: number }) => Transform
  DecompressStream: new () => Transform
}
let zstd: ZstdModule | undefined
function loadZstd(): ZstdModule {
  if (!zstd) {
    try {
      zstd = createRequire(import.meta.url)('zstd-napi') as ZstdModule
    } catch (e) {
      throw new SkiffError(
        'ERR_COMPRESSION',
        `zstd support is not available (the zstd-napi addon failed to load: ${(e as Error).message}); reinstall skiff with "npm ci"`,
        { cause: e },
      )
    }
  }
  return zstd
}

/** `opts` names what is decompressed in error messages (used by the xz and bzip2 programs' errors). */
export function decompressor(c: Compression, opts: ExternalOptions = {}): Transform {
  switch (c) {
    case 'gzip':
      return createGunzip({ chunkSize: ZLIB_CHUNK })
    case 'zstd':
      return new (loadZstd().DecompressStream)()
    case 'xz':
    case 'bzip2':
      return externalDecompressor(c, opts)
    default:
      throw new SkiffError(
        'ERR_COMPRESSION',
        `cannot decompress ${c} data; skiff reads gzip, zstd, xz, bzip2 and uncompressed data`,
      )
  }
}

export function compressor(c: 'gzip' | 'zstd', level?: number): Transform {
  if (c === 'gzip') {
    if (level !== undefined && (level < 1 || level > 9))
      throw new SkiffError('ERR_INVALID_ARGUMENT', `invalid gzip compression level ${level}: use 1-9`)
    return createGzip({ level: level ?? zc.Z_DEFAULT_COMPRESSION, chunkSize: ZLIB_CHUNK })
  }
  if (level !== undefined && (level < 1 || level > 22))
    throw new SkiffError('ERR_INVALID_ARGUMENT', `invalid zstd compression level ${level}: use 1-22`)
  return new (loadZstd().CompressStream)(level === undefined ? {} : { compressionLevel: level })
}
