/**
 * Turns what the user named (a regular file, a pipe such as /dev/stdin, possibly gzip/zstd
 * compressed, as `docker load` accepts) into a local, seekable, uncompressed tar file. Copies go
 * to a temp file under --tmpdir that is removed on cleanup (or process exit).
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { tmpdir as osTmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { DecompressStream } from 'zstd-napi'
import { ImageNotFoundError, SkiffError, isNotFound } from '../../../errors.js'
import { registerTempPath, unregisterTempPath } from '../../../util/cleanup.js'
import { sweepTmpdir, uniqueTempTag } from '../../../util/temp-owner.js'
import { detectCompression, readHead } from './magic.js'
import { BLOB_READ_CHUNK } from '../../../util/io.js'

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

async function copyTo(src: string, dst: string, compression: 'none' | 'gzip' | 'zstd', signal?: AbortSignal): Promise<void> {
  const steps: NodeJS.ReadWriteStream[] = []
  if (compression === 'gzip') steps.push(createGunzip())
  if (compression === 'zstd') steps.push(new DecompressStream())
  await pipeline([createReadStream(src, { highWaterMark: BLOB_READ_CHUNK }), ...steps, createWriteStream(dst, { mode: 0o600 })] as NodeJS.ReadWriteStream[], signal ? { signal } : {})
}

function checkCompression(c: string, opts: PrepareOptions): asserts c is 'none' | 'gzip' | 'zstd' {
  if (c !== 'none' && c !== 'gzip' && c !== 'zstd') {
    throw new SkiffError('ERR_UNSUPPORTED', `${opts.image}: ${c}-compressed archives are not supported; decompress it first (or use gzip or zstd)`, { image: opts.image })
  }
}

export async function prepareArchiveFile(path: string, opts: PrepareOptions): Promise<LocalArchive> {
  await sweepTmpdir(opts.tmpdir ?? osTmpdir())
  let st
  try {
    st = await stat(path)
  } catch (e) {
    if (isNotFound(e)) throw new ImageNotFoundError(`${opts.image}: archive "${path}" does not exist`, { image: opts.image, cause: e })
    throw new SkiffError('ERR_IO', `${opts.image}: cannot read "${path}": ${(e as Error).message}`, { image: opts.image, cause: e })
  }
  if (st.isDirectory()) {
    throw new SkiffError('ERR_INVALID_ARGUMENT', `${opts.image}: "${path}" is a directory, not a docker archive (for a directory use dir: or oci:)`, { image: opts.image })
  }
  const created: string[] = []
  try {
    let source = path
    if (!st.isFile()) {
      // A pipe or device: read it once into a seekable copy.
      const raw = newTempPath(opts.tmpdir, 'skiff-docker-archive')
      created.push(raw)
      await copyTo(path, raw, 'none', opts.signal)
      source = raw
    }
    const compression = detectCompression(await readHead(source))
    checkCompression(compression, opts)
    if (compression !== 'none') {
      const plain = newTempPath(opts.tmpdir, 'skiff-docker-archive')
      created.push(plain)
      await copyTo(source, plain, compression, opts.signal)
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
    if ((e as Error).name === 'AbortError') throw new SkiffError('ERR_ABORTED', `${opts.image}: reading the archive was aborted`, { image: opts.image, cause: e })
    throw new SkiffError('ERR_IO', `${opts.image}: reading "${path}": ${(e as Error).message}`, { image: opts.image, cause: e })
  }
}

/** Like prepareArchiveFile, for a stream (e.g. `docker save` output from the Engine API). */
export async function prepareArchiveStream(stream: Readable, opts: PrepareOptions): Promise<LocalArchive> {
  await sweepTmpdir(opts.tmpdir ?? osTmpdir())
  const raw = newTempPath(opts.tmpdir, 'skiff-docker-archive')
  try {
    await pipeline(stream, createWriteStream(raw, { mode: 0o600 }), opts.signal ? { signal: opts.signal } : {})
    const local = await prepareArchiveFile(raw, opts)
    if (local.path === raw) return { path: raw, temp: true, cleanup: () => removeTemp(raw) }
    await removeTemp(raw)
    return local
  } catch (e) {
    await removeTemp(raw)
    if (e instanceof SkiffError) throw e
    if ((e as Error).name === 'AbortError') throw new SkiffError('ERR_ABORTED', `${opts.image}: reading the archive was aborted`, { image: opts.image, cause: e })
    throw new SkiffError('ERR_IO', `${opts.image}: reading the archive: ${(e as Error).message}`, { image: opts.image, cause: e })
  }
}
