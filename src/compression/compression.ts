/**
 * Layer compression: detection by magic bytes, and (de)compressing streams for gzip and zstd.
 * zstd comes from node:zlib where Node has it (≥ 22.15; so the single executable built on Node 24
 * carries no native addon), else from the zstd-napi addon, loaded only when a zstd stream is
 * actually needed. xz and bzip2 are decompress-only (as in containers/image), through the system
 * programs (./external.ts).
 */
import { createRequire } from 'node:module'
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream'
import * as zlib from 'node:zlib'
import { constants as zc, createGunzip } from 'node:zlib'
import { SkiffError } from '../errors.js'
import { ZLIB_CHUNK } from '../util/io.js'
import { externalDecompressor, type ExternalOptions } from './external.js'
import { ParallelGzip } from './parallel-gzip.js'

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

/** node:zlib's zstd (Node ≥ 22.15, 23.8); @types/node 20 does not declare it. */
interface ZlibZstd {
  createZstdCompress: (o: { params: Record<number, number>; chunkSize: number }) => Transform
  createZstdDecompress: (o: { chunkSize: number }) => Transform
}
const zlibZstd = ((): ZlibZstd | undefined => {
  const z = zlib as unknown as Partial<ZlibZstd>
  return typeof z.createZstdCompress === 'function' && typeof z.createZstdDecompress === 'function'
    ? (z as ZlibZstd)
    : undefined
})()
/** Where zstd comes from in this process (`SKIFF_ZSTD=napi` forces the addon, for tests on Node 24). */
export const zstdProvider: 'node:zlib' | 'zstd-napi' =
  zlibZstd && process.env['SKIFF_ZSTD'] !== 'napi' ? 'node:zlib' : 'zstd-napi'

let zstd: ZstdModule | undefined
function loadZstd(): ZstdModule {
  if (!zstd) {
    try {
      zstd = createRequire(import.meta.url)('zstd-napi') as ZstdModule
    } catch (e) {
      throw new SkiffError(
        'ERR_COMPRESSION',
        `zstd support is not available (the zstd-napi addon failed to load: ${(e as Error).message}); reinstall skiff with "npm ci", or run skiff on Node ≥ 22.15, which has zstd built in`,
        { cause: e },
      )
    }
  }
  return zstd
}

function zstdDecompressor(): Transform {
  if (zstdProvider === 'node:zlib') return zlibZstd!.createZstdDecompress({ chunkSize: ZLIB_CHUNK })
  return new (loadZstd().DecompressStream)()
}

function zstdCompressor(level: number | undefined): Transform {
  if (zstdProvider === 'node:zlib') {
    // zstd's default level is 3, as the addon's (ZSTD_CLEVEL_DEFAULT)
    const params =
      level === undefined ? {} : { [(zc as unknown as Record<string, number>)['ZSTD_c_compressionLevel']!]: level }
    return zlibZstd!.createZstdCompress({ params, chunkSize: ZLIB_CHUNK })
  }
  return new (loadZstd().CompressStream)(level === undefined ? {} : { compressionLevel: level })
}

/** `opts` names what is decompressed in error messages (used by the xz and bzip2 programs' errors). */
export function decompressor(c: Compression, opts: ExternalOptions = {}): Transform {
  switch (c) {
    case 'gzip':
      return createGunzip({ chunkSize: ZLIB_CHUNK })
    case 'zstd':
      return zstdDecompressor()
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
    return new ParallelGzip({ level })
  }
  if (level !== undefined && (level < 1 || level > 22))
    throw new SkiffError('ERR_INVALID_ARGUMENT', `invalid zstd compression level ${level}: use 1-22`)
  return zstdCompressor(level)
}
