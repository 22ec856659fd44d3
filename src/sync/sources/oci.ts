/**
 * `--src oci`: every image of the layout's index.json that has a ref name, in index order, named by
 * it. `--dest oci` (skiff's addition): one layout at DESTINATION, the label as the image's ref name.
 */
import { InvalidReferenceError } from '../../errors.js'
import { OciLayoutReference, isValidRefName, layoutRefNames } from '../../transports/oci-layout/index.js'
import { tagOfName } from '../filters.js'
import type { SyncSourceSpec } from '../types.js'
import type { RawItem, SyncDestination, SyncSource } from './types.js'

async function* items(spec: SyncSourceSpec): AsyncGenerator<RawItem> {
  const layout = spec.input
  for (const name of await layoutRefNames(layout)) {
    const tag = tagOfName(name)
    yield {
      source: new OciLayoutReference(layout, { refName: name, sourceIndex: -1 }),
      suffix: { scoped: name, path: name },
      ...(tag !== undefined ? { tag } : {}),
      group: layout,
    }
  }
}

export const ociSource: SyncSource = { items }

export const ociDestination: SyncDestination = {
  keepsPath: false,
  reference({ target, label }) {
    if (!isValidRefName(label)) {
      throw new InvalidReferenceError(
        `cannot name the image "${label}" in the OCI layout ${target}: not a valid ref name (letters, digits and . _ - : @ + between them, components separated by /)`,
      )
    }
    return new OciLayoutReference(target, { refName: label, sourceIndex: -1 })
  },
}
