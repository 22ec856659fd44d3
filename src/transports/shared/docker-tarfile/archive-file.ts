/**
 * Turns what the user named (a regular file, a pipe such as /dev/stdin, possibly gzip, zstd, xz or
 * bzip2 compressed, as `docker load` and containers/image accept) into a local, seekable,
 * uncompressed tar file. As containers/image does, a compressed archive is decompressed to a temp
 * file under --tmpdir first and then read with random access; temp files are removed on cleanup,
 * on failure and at process exit (including Ctrl-C, through util/cleanup).
 */
import { createReadStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { tmpdir as osTmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { ImageNotFoundError, SkiffError, isNotFound } from '../../../errors.js'
import { decompressor } from '../../../compression/compression.js'
import { registerTempPath, unregisterTempPath } from '../../../util/cleanup.js'
import { sweepTmpdir, uniqueTempTag } from '../../../util/temp-owner.js'
import { detectCompression, readHead, type DetectedCompression } from './magic.js'
import { BLOB_READ_CHUNK } from '../../../util/io.js'
import { pipeToFile } from '../../../util/file-sink.js'

export interface LocalArchive {
  /** A regular, uncompressed tar file. */
  path: string
  /** Whether `path` is a temp copy that cleanup() removes. */
  temp: boolean
  cleanup(): Promise<void>
}

export interface PrepareOptions {
  tmpdir?: string | undefined
  signal?: AbortSignal | undefined
  /** `transport:details`, for messages. */
  image: string
}

/** A fresh temp path under `dir`, registered for removal at exit. */
export function newTempPath(dir: string | undefined, prefix: string): string {
  const p = join(dir ?? osTmpdir(), `${prefix}-${uniqueTempTag()}.tmp`)
  registerTempPath(p)
  return p
}

async function removeTemp(p: string): Promise<void> {
  await rm(p, { force: true })
  unregisterTempPath(p)
}

async function copyTo(src: string, dst: string, compression: DetectedCompression, opts: PrepareOptions): Promise<void> {
  const steps: NodeJS.ReadWriteStream[] =
    compression === 'none' ? [] : [decompressor(compression, { what: opts.image, image: opts.image })]
  try {
    await pipeToFile(dst, createReadStream(src, { highWaterMark: BLOB_READ_CHUNK }), steps, {
      mode: 0o600,
      signal: opts.signal,
    })
  } catch (e) {
    throw describeDecompressError(e, compression, opts)
  }
}

/** zlib and zstd failures name the archive, as the xz/bzip2 programs' errors already do. */
function describeDecompressError(e: unknown, compression: DetectedCompression, opts: PrepareOptions): unknown {
  if (e instanceof SkiffError || compression === 'none' || (e as Error).name === 'AbortError') return e
  const code = (e as { code?: unknown }).code
  if (
    typeof code === 'string' &&
    (code.startsWith('Z_') || code.startsWith('ERR_ZSTD') || code.startsWith('ZSTD_') || code === 'ERR_ZLIB')
  ) {
    return new SkiffError(
      'ERR_COMPRESSION',
      `${opts.image}: not valid ${compression} data (${(e as Error).message}); the file is truncated or corrupt`,
      { image: opts.image, cause: e },
    )
  }
  return e
}

export async function prepareArchiveFile(path: string, opts: PrepareOptions): Promise<LocalArchive> {
  await sweepTmpdir(opts.tmpdir ?? osTmpdir())
  let st
  try {
    st = await stat(path)
  } catch (e) {
    if (isNotFound(e))
      throw new ImageNotFoundError(`${opts.image}: archive "${path}" does not exist`, { image: opts.image, cause: e })
    throw new SkiffError('ERR_IO', `${opts.image}: cannot read "${path}": ${(e as Error).message}`, {
      image: opts.image,
      cause: e,
    })
  }
  if (st.isDirectory()) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `${opts.image}: "${path}" is a directory, not a docker archive (for a directory use dir: or oci:)`,
      { image: opts.image },
    )
  }
  const created: string[] = []
  try {
    let source = path
    if (!st.isFile()) {
      // A pipe or device: read it once into a seekable copy.
      const raw = newTempPath(opts.tmpdir, 'skiff-docker-archive')
      created.push(raw)
      await copyTo(path, raw, 'none', opts)
      source = raw
    }
    const compression = detectCompression(await readHead(source))
    if (compression !== 'none') {
      const plain = newTempPath(opts.tmpdir, 'skiff-docker-archive')
      created.push(plain)
      await copyTo(source, plain, compression, opts)
      if (source !== path) {
        await removeTemp(source)
        created.shift()
      }
      source = plain
    }
    if (source === path) return { path, temp: false, cleanup: async () => {} }
    const tmp = source
    return { path: tmp, temp: true, cleanup: () => removeTemp(tmp) }
  } catch (e) {
    for (const p of created) await removeTemp(p)
    if (e instanceof SkiffError) throw e
    if ((e as Error).name === 'AbortError')
      throw new SkiffError('ERR_ABORTED', `${opts.image}: reading the archive was aborted`, {
        image: opts.image,
        cause: e,
      })
    throw new SkiffError('ERR_IO', `${opts.image}: reading "${path}": ${(e as Error).message}`, {
      image: opts.image,
      cause: e,
    })
  }
}

/** Like prepareArchiveFile, for a stream (e.g. `docker save` output from the Engine API). */
export async function prepareArchiveStream(stream: Readable, opts: PrepareOptions): Promise<LocalArchive> {
  await sweepTmpdir(opts.tmpdir ?? osTmpdir())
  const raw = newTempPath(opts.tmpdir, 'skiff-docker-archive')
  try {
    await pipeToFile(raw, stream, [], { mode: 0o600, signal: opts.signal })
    const local = await prepareArchiveFile(raw, opts)
    if (local.path === raw) return { path: raw, temp: true, cleanup: () => removeTemp(raw) }
    await removeTemp(raw)
    return local
  } catch (e) {
    await removeTemp(raw)
    if (e instanceof SkiffError) throw e
    if ((e as Error).name === 'AbortError')
      throw new SkiffError('ERR_ABORTED', `${opts.image}: reading the archive was aborted`, {
        image: opts.image,
        cause: e,
      })
    throw new SkiffError('ERR_IO', `${opts.image}: reading the archive: ${(e as Error).message}`, {
      image: opts.image,
      cause: e,
    })
  }
}
