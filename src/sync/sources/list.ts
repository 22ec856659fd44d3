/**
 * `--src list`: an image list file (one `[host/]repo[:tag|@digest]` a line), in file order; lines
 * without a registry use `--registry` (default docker.io). Destinations keep the path as written.
 */
import { readFile } from 'node:fs/promises'
import { SkiffError } from '../../errors.js'
import { parseImageList } from '../image-list.js'
import type { SyncSourceSpec } from '../types.js'
import { dockerRef } from './docker.js'
import type { RawItem, SyncSource } from './types.js'

async function* items(spec: SyncSourceSpec): AsyncGenerator<RawItem> {
  let text: string
  try {
    text = await readFile(spec.input, 'utf8')
  } catch (e) {
    throw new SkiffError('ERR_IMAGE_NOT_FOUND', `cannot read the image list ${spec.input}: ${(e as Error).message}`, {
      cause: e,
    })
  }
  for (const entry of parseImageList(text, spec.input, spec.registry)) {
    const r = entry.source
    yield {
      source: dockerRef(r),
      suffix: { scoped: r.toString(), unscoped: entry.written, path: entry.written },
      ...(r.tag !== undefined ? { tag: r.tag } : {}),
      group: r.name,
    }
  }
}

export const listSource: SyncSource = { items }
