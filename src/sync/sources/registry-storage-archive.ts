/**
 * `--src registry-storage-archive BUNDLE`: every image of a release bundle (its tags, sorted), or
 * with --images-from only the listed ones, read by offset from the tar; named at the destination
 * by repository path, as the registry-storage source (`harbor.example.com/kubesphere/app:v1`).
 * `--dest registry-storage-archive OUT`: the images of a store (--src registry-storage) written into
 * one bundle at OUT (registry-storage-batch.ts writes it; the reference names OUT:NAME:TAG).
 */
import { ImageNotFoundError, InvalidReferenceError, SkiffError } from '../../errors.js'
import { openBundle, bundleImages } from '../../transports/registry-storage-archive/bundle.js'
import { BUNDLE_TRANSPORT, bundleRef, bundleTransport } from '../../transports/registry-storage-archive/transport.js'
import { readImagesFrom } from '../image-list.js'
import type { SyncSourceSpec } from '../types.js'
import type { RawItem, SyncDestination, SyncSource } from './types.js'

function checkPath(p: string, what: string): void {
  if (p === '' || p.includes(':'))
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `invalid ${BUNDLE_TRANSPORT} ${what} "${p}": the bundle's file name (a path without ':') is required`,
    )
}

async function* items(spec: SyncSourceSpec): AsyncGenerator<RawItem> {
  checkPath(spec.input, 'SOURCE')
  const b = await openBundle(spec.input, { tmpdir: spec.options?.tmpdir, image: `${BUNDLE_TRANSPORT}:${spec.input}` })
  const item = (name: string, selector: string, tag: string | undefined): RawItem => {
    const written = `${name}${tag !== undefined ? ':' : '@'}${selector}`
    return {
      source: bundleRef(spec.input, name, selector),
      suffix: { scoped: written, unscoped: written },
      ...(tag !== undefined ? { tag } : {}),
      group: name,
    }
  }
  if (spec.imagesFrom !== undefined) {
    for (const e of await readImagesFrom(spec.imagesFrom)) yield item(e.name, e.tag ?? e.digest!, e.tag)
    return
  }
  const all = bundleImages(b)
  if (all.length === 0)
    throw new ImageNotFoundError(`No images to sync found in "${spec.input}" (the bundle has no tagged images)`)
  for (const { name, tag } of all) yield item(name, tag, tag)
}

export const bundleSource: SyncSource = { items }

export const bundleDestination: SyncDestination = {
  keepsPath: true,
  reference({ target, suffix, appendSuffix, label }) {
    checkPath(target, 'DESTINATION')
    try {
      return bundleTransport.parseReference(`${target}:${label}`)
    } catch (e) {
      throw new InvalidReferenceError(
        `cannot name the destination ${BUNDLE_TRANSPORT}:${target}:${label} (DESTINATION ${target} + ${suffix}${appendSuffix}): ${(e as Error).message}`,
        { cause: e },
      )
    }
  },
}
