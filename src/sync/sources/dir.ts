/**
 * `--src dir`: every folder below SOURCE that holds a manifest.json (not below an image folder),
 * in lexical order as Go's WalkDir, named by its path below SOURCE (skopeo's TrimPrefix; SOURCE
 * itself by its last element). `--dest dir`: DESTINATION joined with the suffix.
 */
import { readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { SkiffError } from '../../errors.js'
import { dirTransport } from '../../transports/dir/transport.js'
import { tagOfName } from '../filters.js'
import type { SyncSourceSpec } from '../types.js'
import type { RawItem, SyncDestination, SyncSource } from './types.js'

/** Folders holding a manifest.json below `root` (not below an image folder), lexical order as Go's WalkDir. */
async function* walkImageDirs(root: string): AsyncGenerator<string> {
  const entries = await readdir(root, { withFileTypes: true })
  if (entries.some((e) => !e.isDirectory() && e.name === 'manifest.json')) {
    yield root
    return
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.isDirectory()) yield* walkImageDirs(join(root, e.name))
  }
}

async function* items(spec: SyncSourceSpec): AsyncGenerator<RawItem> {
  const base = spec.input
  try {
    await stat(base)
  } catch (e) {
    throw new SkiffError('ERR_IMAGE_NOT_FOUND', `Invalid source directory specified: ${(e as Error).message}`, {
      cause: e,
    })
  }
  let n = 0
  for await (const path of walkImageDirs(base)) {
    // skopeo: strings.TrimPrefix(path, base); the source folder itself is named by its last element
    let suffix = path.startsWith(base) ? path.slice(base.length) : path
    if (suffix === '') suffix = basename(base)
    const tag = tagOfName(suffix)
    n++
    yield {
      source: dirTransport.parseReference(path),
      suffix: { scoped: suffix, path: suffix.replace(/^\/+/, '') },
      ...(tag !== undefined ? { tag } : {}),
      group: base,
    }
  }
  if (n === 0) throw new SkiffError('ERR_IMAGE_NOT_FOUND', `No images to sync found in "${base}"`)
}

export const dirSource: SyncSource = { items }

export const dirDestination: SyncDestination = {
  keepsPath: false,
  reference: ({ joined }) => dirTransport.parseReference(joined),
}
