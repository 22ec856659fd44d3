/**
 * `--src registry-storage`: every repository and tag of the store at ROOT (sorted), or with
 * --images-from only the listed images, in list order (a listed image the store lacks fails on its
 * own, naming the store). `--dest registry-storage`: the image is named by the repository path (no
 * registry host) and :tag / @digest inside the store at DESTINATION; names keep their path.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { InvalidReferenceError, SkiffError } from '../../errors.js'
import {
  registryStorageImages,
  registryStorageRef,
  registryStorageTransport,
} from '../../transports/registry-storage/index.js'
import { readImagesFrom } from '../image-list.js'
import type { SyncSourceSpec } from '../types.js'
import type { RawItem, SyncDestination, SyncSource } from './types.js'

async function* items(spec: SyncSourceSpec): AsyncGenerator<RawItem> {
  const root = spec.input
  if (root === '' || root.includes(':')) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `invalid registry-storage SOURCE "${root}": the registry's rootdirectory (a path without ':') is required`,
    )
  }
  try {
    await stat(join(root, 'docker', 'registry', 'v2'))
  } catch (e) {
    throw new SkiffError(
      'ERR_IMAGE_NOT_FOUND',
      `no registry storage at ${root} (${join(root, 'docker', 'registry', 'v2')} does not exist); SOURCE must be the registry's rootdirectory`,
      { cause: e },
    )
  }
  const item = (name: string, selector: string, tag: string | undefined): RawItem => {
    const written = `${name}${tag !== undefined ? ':' : '@'}${selector}`
    return {
      source: registryStorageRef(root, name, selector),
      suffix: { scoped: written, unscoped: written },
      ...(tag !== undefined ? { tag } : {}),
      group: name,
    }
  }
  if (spec.imagesFrom !== undefined) {
    for (const e of await readImagesFrom(spec.imagesFrom)) yield item(e.name, e.tag ?? e.digest!, e.tag)
    return
  }
  let n = 0
  for await (const { name, tag } of registryStorageImages(root)) {
    n++
    yield item(name, tag, tag)
  }
  if (n === 0)
    throw new SkiffError(
      'ERR_IMAGE_NOT_FOUND',
      `No images to sync found in "${root}" (the registry storage has no tagged images)`,
    )
}

export const registryStorageSource: SyncSource = { items }

export const registryStorageDestination: SyncDestination = {
  keepsPath: true,
  reference({ target, suffix, appendSuffix, label }) {
    // ROOT is the store; the label is the repository path (no registry host) and :tag / @digest
    if (target === '' || target.includes(':')) {
      throw new InvalidReferenceError(
        `invalid registry-storage DESTINATION "${target}": the registry's rootdirectory (a path without ':') is required`,
      )
    }
    const what = `registry-storage:${target}:${label}`
    try {
      return registryStorageTransport.parseReference(`${target}:${label}`)
    } catch (e) {
      throw new InvalidReferenceError(
        `cannot name the destination ${what} (DESTINATION ${target} + ${suffix}${appendSuffix}): ${(e as Error).message}`,
        { cause: e },
      )
    }
  },
}
