/**
 * Tars a folder (an OCI layout) into a file, streaming each file from disk; the archive is written
 * to a temp file beside the target and renamed into place only when complete (or, for a pipe such
 * as /dev/stdout, streamed into it).
 */
import { createReadStream } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { pack, type Pack } from 'tar-stream'
import { tempPrefixFor } from '../../util/atomic.js'
import { openOutputFile, resolveOutputTarget } from '../../util/output.js'
import { sweepStaleTemps } from '../../util/temp-owner.js'
import { BLOB_READ_CHUNK } from '../../util/io.js'

async function addTree(p: Pack, root: string, rel: string): Promise<void> {
  const names = (await readdir(join(root, rel))).sort()
  for (const name of names) {
    const relPath = rel === '' ? name : `${rel}/${name}`
    const abs = join(root, relPath)
    const st = await lstat(abs)
    const common = { mtime: st.mtime, uid: 0, gid: 0 }
    if (st.isDirectory()) {
      p.entry({ ...common, name: `${relPath}/`, type: 'directory', mode: 0o755 })
      await addTree(p, root, relPath)
    } else if (st.isFile()) {
      await new Promise<void>((resolve, reject) => {
        const w = p.entry({ ...common, name: relPath, type: 'file', mode: 0o644, size: st.size }, (err) =>
          err ? reject(err) : resolve(),
        )
        w.on('error', reject)
        const r = createReadStream(abs, { highWaterMark: BLOB_READ_CHUNK })
        r.on('error', (e) => {
          w.destroy(e)
          reject(e)
        })
        r.pipe(w as unknown as NodeJS.WritableStream)
      })
    }
    // the layout this packs is one skiff wrote: no symlinks or special files
  }
}

/**
 * Writes a tar of `dir`'s contents to `target` (util/output.ts: a temp file beside a regular file,
 * renamed when complete; a pipe, device or open descriptor such as /dev/stdout in place). Every
 * error of either side rejects; on failure the temp file is removed.
 */
export async function packDirToFile(dir: string, target: string): Promise<void> {
  const resolved = await resolveOutputTarget(target)
  if (resolved.kind === 'atomic') await sweepStaleTemps(dirname(resolved.path), tempPrefixFor(resolved.path))
  const out = await openOutputFile(target)
  const p = pack()
  const filling = addTree(p, dir, '').then(
    () => p.finalize(),
    (e: unknown) => {
      p.destroy(e as Error)
      throw e
    },
  )
  try {
    await Promise.all([pipeline(p as unknown as NodeJS.ReadableStream, out.stream), filling])
    await out.commit()
  } catch (e) {
    p.destroy()
    filling.catch(() => undefined)
    await out.discard()
    throw e
  }
}
