/** Reading an image from a `docker save` archive (a file or a pipe). */
import { TarfileReader } from '../shared/docker-tarfile/reader.js'
import { TarfileSource } from '../shared/docker-tarfile/source.js'
import type { ImageSource, TransportOptions } from '../types.js'
import type { ArchiveRef } from './types.js'

export async function openArchiveSource(ref: ArchiveRef, opts: TransportOptions): Promise<ImageSource> {
  const reader = await TarfileReader.open(ref.path, {
    tmpdir: opts.tmpdir,
    signal: opts.signal,
    image: ref.archiveName(),
  })
  try {
    return await TarfileSource.create(ref, reader, { ref: ref.ref, index: ref.sourceIndex }, opts.platform)
  } catch (e) {
    await reader.close()
    throw e
  }
}
