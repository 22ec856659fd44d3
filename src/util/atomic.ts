/**
 * Atomic local writes: data goes to a temp file in the target's folder and is renamed into place,
 * so readers see the old file or the new one, never a half-written one.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { registerTempPath, unregisterTempPath } from './cleanup.js'

/** A unique temp path beside `target` (same folder, so rename is atomic). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
}

/** Writes bytes to `target` atomically (temp + fsync + rename). */
export async function writeFileAtomic(target: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
  await mkdir(dirname(target), { recursive: true })
  const tmp = tempPathFor(target)
  registerTempPath(tmp)
  try {
    const fh = await open(tmp, 'w', mode)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, target)
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  } finally {
    unregisterTempPath(tmp)
  }
}

/**
 * Streams into a temp file beside `target`; `finish(tmpPath)` decides (e.g. after verifying a
 * digest) and returns the final path to rename to. On any error the temp file is removed.
 */
export async function writeStreamAtomic(
  target: string,
  source: Readable | NodeJS.ReadableStream,
  transforms: NodeJS.ReadWriteStream[] = [],
  finish?: (tmpPath: string) => Promise<string | undefined> | string | undefined,
): Promise<string> {
  await mkdir(dirname(target), { recursive: true })
  const tmp = tempPathFor(target)
  registerTempPath(tmp)
  try {
    await pipeline([source, ...transforms, createWriteStream(tmp, { mode: 0o644 })] as NodeJS.ReadWriteStream[])
    const final = (finish ? await finish(tmp) : undefined) ?? target
    await mkdir(dirname(final), { recursive: true })
    await rename(tmp, final)
    return final
  } catch (e) {
    await rm(tmp, { force: true })
    throw e
  } finally {
    unregisterTempPath(tmp)
  }
}
