/**
 * Writing an image as a `docker save` archive. A regular file is written to a temp file beside PATH
 * (beside the real file when PATH is a symlink) and renamed on commit (an existing archive is
 * replaced; nothing half-written is visible). `/dev/stdout`, a FIFO, a device or an open descriptor
 * is written in place (util/output.ts).
 */
import { stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Writable } from 'node:stream'
import { InvalidReferenceError, SkiffError, isNotFound } from '../../errors.js'
import type { DockerReference } from '../../reference/docker-reference.js'
import { tempPrefixFor } from '../../util/atomic.js'
import { openOutputFile, resolveOutputTarget } from '../../util/output.js'
import { sweepStaleTemps, sweepTmpdir } from '../../util/temp-owner.js'
import { tmpdir } from 'node:os'
import { checkNameLength, writeError } from '../../util/write-error.js'
import { TarfileDestination, type TarfileOutput } from '../shared/docker-tarfile/destination.js'
import { TarWriter } from '../shared/docker-tarfile/tar-writer.js'
import type { ImageDestination, TransportOptions } from '../types.js'
import type { ArchiveRef } from './types.js'

function repoTagsFor(ref: ArchiveRef, additional: DockerReference[] = []): DockerReference[] {
  const image = ref.toString()
  const out: DockerReference[] = ref.ref ? [ref.ref] : []
  for (const t of additional) {
    if (t.digest !== undefined) {
      throw new InvalidReferenceError(
        `${image}: additional tag "${t.familiarString()}" must be NAME:TAG, not a digest reference`,
        { image },
      )
    }
    out.push(t.tagNameOnly())
  }
  return out
}

async function openOutput(ref: ArchiveRef): Promise<{ stream: Writable; output: TarfileOutput }> {
  const image = ref.toString()
  checkNameLength(ref.path, image)
  let out
  try {
    const target = await resolveOutputTarget(ref.path)
    if (target.kind === 'atomic') {
      const st = await stat(target.path).catch(() => undefined)
      if (st?.isDirectory())
        throw new SkiffError(
          'ERR_INVALID_ARGUMENT',
          `${image}: "${ref.path}" is a directory; docker-archive: needs a file path (for a directory use dir: or oci:)`,
          { image },
        )
      await sweepStaleTemps(dirname(target.path), tempPrefixFor(target.path))
    }
    out = await openOutputFile(ref.path)
  } catch (e) {
    if (e instanceof SkiffError) throw e
    if (isNotFound(e))
      throw new SkiffError(
        'ERR_INVALID_ARGUMENT',
        `${image}: cannot create "${ref.path}": its directory does not exist`,
        { image, cause: e },
      )
    throw writeError(e, ref.path, image)
  }
  const file = out
  const output: TarfileOutput = {
    async commit() {
      try {
        await file.commit()
      } catch (e) {
        throw writeError(e, ref.path, image)
      }
    },
    discard: () => file.discard(),
    mapError: (e) => writeError(e, ref.path, image),
  }
  return { stream: file.stream, output }
}

export async function openArchiveDestination(ref: ArchiveRef, opts: TransportOptions): Promise<ImageDestination> {
  if (ref.sourceIndex >= 0) {
    throw new InvalidReferenceError(
      `${ref.toString()}: a destination cannot name an image by index (@${ref.sourceIndex}); use docker-archive:PATH[:NAME:TAG]`,
      { image: ref.toString() },
    )
  }
  const repoTags = repoTagsFor(ref, opts.additionalTags)
  await sweepTmpdir(opts.tmpdir ?? tmpdir()) // spools a killed run left
  const { stream, output } = await openOutput(ref)
  return new TarfileDestination(ref, new TarWriter(stream), output, { repoTags, tmpdir: opts.tmpdir })
}
