/**
 * `skopeo list-tags docker-archive:PATH`: every RepoTag in the archive as written, and "@N" for
 * each untagged image (so every image can be named).
 */
import { archiveTagList } from '../shared/docker-tarfile/manifest-json.js'
import { TarfileReader } from '../shared/docker-tarfile/reader.js'
import { TRANSPORT_NAME } from './reference.js'

export async function listArchiveTags(
  path: string,
  opts: { tmpdir?: string; signal?: AbortSignal } = {},
): Promise<string[]> {
  const reader = await TarfileReader.open(path, {
    tmpdir: opts.tmpdir,
    signal: opts.signal,
    image: `${TRANSPORT_NAME}:${path}`,
  })
  try {
    return archiveTagList(reader.items)
  } finally {
    await reader.close()
  }
}
