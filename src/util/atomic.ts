/**
 * Atomic local writes: data goes to a temp file in the target's folder and is renamed into place,
 * so readers see the old file or the new one, never a half-written one.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { registerTempPath, unregisterTempPath } from './cleanup.js'
import { pipeToFile } from './file-sink.js'
import { uniqueTempTag } from './temp-owner.js'

/**
 * A unique temp path beside `target` (same folder, so rename is atomic), or in `dir` (which must be
 * on the same filesystem). The name carries the owner (temp-owner.ts), so a later run can remove it
 * if this process is killed.
 */
export function tempPathFor(target: string, dir = dirname(target)): string {
  return join(dir, `${tempPrefixFor(target)}${uniqueTempTag()}.tmp`)
}

/**
 * How temp names for `target` start: `.NAME.` (NAME shortened when long, so the temp name stays
 * within the 255-byte limit whenever the target's own name does).
 */
export function tempPrefixFor(target: string): string {
  const name = basename(target)
  return `.${
    Buffer.byteLength(name) > 150
      ? Buffer.from(name)
          .subarray(0, 150)
          .toString('utf8')
          .replace(/\uFFFD+$/, '')
      : name
  }.`
}

/**
 * Writes bytes to `target` atomically (temp + fsync + rename). `durable: false` skips the fsync:
 * readers still see the old file or the new one, but a power loss may lose the write — for caches,
 * where an fsync per small file costs more than the file is worth.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array | string,
  mode = 0o644,
  tempDir?: string,
  { durable = true }: { durable?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(target), { recursive: true })
  const tmp = tempPathFor(target, tempDir)
  registerTempPath(tmp)
  try {
    const fh = await open(tmp, 'w', mode)
    try {
      await fh.writeFile(data)
      if (durable) await fh.sync()
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
    await pipeToFile(tmp, source, transforms)
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
