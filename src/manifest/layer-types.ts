/** Layer media types per manifest flavour and compression. */
import { SkiffError } from '../errors.js'
import type { Compression } from '../compression/compression.js'
import { MT } from './media-types.js'

export type Flavor = 'oci' | 'docker'

const LAYER_COMPRESSION: Record<string, Compression> = {
  [MT.DOCKER_LAYER_GZIP]: 'gzip',
  [MT.DOCKER_FOREIGN_LAYER_GZIP]: 'gzip',
  [MT.DOCKER_LAYER_ZSTD]: 'zstd',
  [MT.DOCKER_LAYER_TAR]: 'none',
  [MT.OCI_LAYER_GZIP]: 'gzip',
  [MT.OCI_LAYER_ZSTD]: 'zstd',
  [MT.OCI_LAYER_TAR]: 'none',
  [MT.OCI_ND_LAYER_GZIP]: 'gzip',
  [MT.OCI_ND_LAYER_ZSTD]: 'zstd',
  [MT.OCI_ND_LAYER_TAR]: 'none',
}

/** The compression a layer media type declares; undefined for non-layer (artifact) types. */
export function compressionOfLayerType(mediaType: string | undefined): Compression | undefined {
  return mediaType === undefined ? undefined : LAYER_COMPRESSION[mediaType]
}

export function isLayerType(mediaType: string | undefined): boolean {
  return compressionOfLayerType(mediaType) !== undefined
}

function isNonDistributable(mediaType: string | undefined): boolean {
  return (
    mediaType === MT.DOCKER_FOREIGN_LAYER_GZIP ||
    (mediaType ?? '').startsWith('application/vnd.oci.image.layer.nondistributable.')
  )
}

/**
 * The media type of a layer in `flavor` with `compression`, keeping the foreign/nondistributable
 * nature of the original. Non-layer media types are returned unchanged.
 */
export function layerMediaType(
  original: string | undefined,
  flavor: Flavor,
  compression: Compression,
): string | undefined {
  if (original !== undefined && !isLayerType(original)) return original
  const nd = isNonDistributable(original)
  if (flavor === 'oci') {
    if (compression === 'gzip') return nd ? MT.OCI_ND_LAYER_GZIP : MT.OCI_LAYER_GZIP
    if (compression === 'zstd') return nd ? MT.OCI_ND_LAYER_ZSTD : MT.OCI_LAYER_ZSTD
    if (compression === 'none') return nd ? MT.OCI_ND_LAYER_TAR : MT.OCI_LAYER_TAR
  } else {
    if (compression === 'gzip') return nd ? MT.DOCKER_FOREIGN_LAYER_GZIP : MT.DOCKER_LAYER_GZIP
    if (compression === 'none' && !nd) return MT.DOCKER_LAYER_TAR
    if (compression === 'zstd' && !nd) return MT.DOCKER_LAYER_ZSTD
  }
  throw new SkiffError(
    'ERR_MANIFEST_TYPE_REJECTED',
    `a ${nd ? 'non-distributable ' : ''}${compression} layer cannot be described in a ${flavor === 'oci' ? 'OCI' : 'Docker schema2'} manifest`,
  )
}

export function configMediaType(flavor: Flavor): string {
  return flavor === 'oci' ? MT.OCI_CONFIG : MT.DOCKER_CONFIG
}

export function flavorOf(manifestMediaType: string): Flavor | undefined {
  if (manifestMediaType === MT.OCI_MANIFEST || manifestMediaType === MT.OCI_INDEX) return 'oci'
  if (manifestMediaType === MT.DOCKER_V2S2 || manifestMediaType === MT.DOCKER_LIST) return 'docker'
  return undefined
}
