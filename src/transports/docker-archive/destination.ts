/**
 * Writing an image as a `docker save` archive. A regular file is written to a temp file beside PATH
 * and renamed on commit (an existing archive is replaced; nothing half-written is visible). A FIFO
 * or character device (`/dev/stdout`) is written directly.
 */
import { once } from 'node:events'
import { open, rename, rm, stat } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { InvalidReferenceError, SkiffError, isNotFound } from '../../errors.js'
import type { DockerReference } from '../../reference/docker-reference.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { tempPathFor } from '../../util/atomic.js'
import { TarfileDestination, type TarfileOutput } from '../shared/docker-tarfile/destination.js'
import { TarWriter } from '../shared/docker-tarfile/tar-writer.js'
import type { ImageDestination, TransportOptions } from '../types.js'
import type { DockerArchiveReference } from './reference.js'

function repoTagsFor(ref: DockerArchiveReference, additional: DockerReference[] = []): DockerReference[] {
  const image = ref.toString()
  const out: DockerReference[] = ref.ref ? [ref.ref] : []
  for (const t of additional) {
    if (t.digest !== undefined) {
      throw new InvalidReferenceError(`${image}: additional tag "${t.familiarString()}" must be NAME:TAG, not a digest reference`, { image })
    }
    out.push(t.tagNameOnly())
  }
  return out
}

async function openOutput(ref: DockerArchiveReference): Promise<{ stream: Writable; output: TarfileOutput }> {
  const image = ref.toString()
  let st
  try {
    st = await stat(ref.path)
  } catch (e) {
    if (!isNotFound(e)) throw new SkiffError('ERR_IO', `${image}: cannot access "${ref.path}": ${(e as Error).message}`, { image, cause: e })
  }
  if (st?.isDirectory()) throw new SkiffError('ERR_INVALID_ARGUMENT', `${image}: "${ref.path}" is a directory; docker-archive: needs a file path (for a directory use dir: or oci:)`, { image })
  const direct = st !== undefined && (st.isFIFO() || st.isCharacterDevice() || st.isSocket())
  const target = direct ? ref.path : tempPathFor(ref.path)
  if (!direct) registerTempPath(target)
  let fh
  try {
    fh = await open(target, direct ? 'w' : 'wx', 0o644)
  } catch (e) {
    if (!direct) unregisterTempPath(target)
    const hint = isNotFound(e) ? ': its directory does not exist' : `: ${(e as Error).message}`
    throw new SkiffError(isNotFound(e) ? 'ERR_INVALID_ARGUMENT' : 'ERR_IO', `${image}: cannot create "${ref.path}"${hint}`, { image, cause: e })
  }
  const stream = fh.createWriteStream()
  const closed = once(stream, 'close').catch(() => undefined)
  const output: TarfileOutput = {
    async commit() {
      await closed
      if (direct) return
      const sync = await open(target, 'r+')
      try {
        await sync.sync()
      } finally {
        await sync.close()
      }
      await rename(target, ref.path)
      unregisterTempPath(target)
    },
    async discard() {
      stream.destroy()
      await closed
      if (direct) return
      await rm(target, { force: true })
      unregisterTempPath(target)
    },
  }
  return { stream, output }
}

export async function openArchiveDestination(ref: DockerArchiveReference, opts: TransportOptions): Promise<ImageDestination> {
  if (ref.sourceIndex >= 0) {
    throw new InvalidReferenceError(`${ref.toString()}: a destination cannot name an image by index (@${ref.sourceIndex}); use docker-archive:PATH[:NAME:TAG]`, { image: ref.toString() })
  }
  const repoTags = repoTagsFor(ref, opts.additionalTags)
  const { stream, output } = await openOutput(ref)
  return new TarfileDestination(ref, new TarWriter(stream), output, { repoTags, tmpdir: opts.tmpdir })
}
