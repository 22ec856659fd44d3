/**
 * Manifest serialization in the field order and encoding containers/image uses, so a manifest that
 * skiff converts has the same bytes, and digest, as the one skopeo writes.
 */
import { SkiffError } from '../errors.js'
import { goMarshal } from '../go/json.js'
import { goMap } from '../go/values.js'
import type { Compression } from '../compression/compression.js'
import { MT } from './media-types.js'
import { configMediaType, layerMediaType, compressionOfLayerType, type Flavor } from './layer-types.js'
import type { BlobInfo, ImageManifest, ListEntry, ManifestList, Platform } from './types.js'

function ociDescriptor(d: BlobInfo, extra: { platform?: Platform } = {}): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  if (d.mediaType) o.mediaType = d.mediaType
  o.digest = d.digest
  o.size = d.size
  if (d.urls?.length) o.urls = d.urls
  if (d.annotations && Object.keys(d.annotations).length) o.annotations = goMap(d.annotations)
  if (extra.platform) o.platform = platformObject(extra.platform)
  return o
}

function dockerDescriptor(d: BlobInfo): Record<string, unknown> {
  const o: Record<string, unknown> = { mediaType: d.mediaType ?? '', size: d.size, digest: d.digest }
  if (d.urls?.length) o.urls = d.urls
  return o
}

function platformObject(p: Platform): Record<string, unknown> {
  const o: Record<string, unknown> = { architecture: p.architecture, os: p.os }
  if (p['os.version']) o['os.version'] = p['os.version']
  if (p['os.features']?.length) o['os.features'] = p['os.features']
  if (p.variant) o.variant = p.variant
  return o
}

/** Serializes an image manifest of `flavor` (OCI or Docker schema2). */
export function serializeImageManifest(m: Omit<ImageManifest, 'kind' | 'mediaType'>, flavor: Flavor): Buffer {
  if (flavor === 'oci') {
    const o: Record<string, unknown> = { schemaVersion: 2, mediaType: MT.OCI_MANIFEST }
    if (m.artifactType) o.artifactType = m.artifactType
    o.config = ociDescriptor(m.config)
    o.layers = m.layers.map((l) => ociDescriptor(l))
    if (m.subject) o.subject = ociDescriptor(m.subject)
    if (m.annotations && Object.keys(m.annotations).length) o.annotations = goMap(m.annotations)
    return Buffer.from(goMarshal(o))
  }
  return Buffer.from(
    goMarshal({
      schemaVersion: 2,
      mediaType: MT.DOCKER_V2S2,
      config: dockerDescriptor(m.config),
      layers: m.layers.map(dockerDescriptor),
    }),
  )
}

/** Serializes a list as an OCI index or a Docker manifest list. */
export function serializeList(l: Omit<ManifestList, 'kind' | 'mediaType'>, flavor: Flavor): Buffer {
  if (flavor === 'oci') {
    const o: Record<string, unknown> = { schemaVersion: 2, mediaType: MT.OCI_INDEX }
    if (l.artifactType) o.artifactType = l.artifactType
    o.manifests = l.manifests.map((e) => ociDescriptor(e, e.platform ? { platform: e.platform } : {}))
    if (l.subject) o.subject = ociDescriptor(l.subject)
    if (l.annotations && Object.keys(l.annotations).length) o.annotations = goMap(l.annotations)
    return Buffer.from(goMarshal(o))
  }
  return Buffer.from(
    goMarshal({
      schemaVersion: 2,
      mediaType: MT.DOCKER_LIST,
      manifests: l.manifests.map((e) => ({
        ...dockerDescriptor(e),
        platform: platformObject(e.platform ?? { os: '', architecture: '' }),
      })),
    }),
  )
}

/**
 * Converts an image manifest to `flavor`, with layers already updated by the copy (digests, sizes,
 * and their actual compression). Throws when something cannot be expressed in the target format.
 */
export function convertImageManifest(
  m: ImageManifest,
  flavor: Flavor,
  layers: Array<BlobInfo & { compression?: Compression }>,
  config: BlobInfo = m.config,
): Buffer {
  if (config.mediaType !== MT.DOCKER_CONFIG && config.mediaType !== MT.OCI_CONFIG && config.mediaType !== undefined) {
    if (flavor === 'docker') {
      throw new SkiffError(
        'ERR_MANIFEST_TYPE_REJECTED',
        `cannot convert an image whose config is ${config.mediaType} to Docker schema2 (not a container image)`,
      )
    }
  }
  const cfg: BlobInfo = {
    ...config,
    mediaType:
      config.mediaType === MT.DOCKER_CONFIG || config.mediaType === MT.OCI_CONFIG || config.mediaType === undefined
        ? configMediaType(flavor)
        : config.mediaType,
  }
  const outLayers = layers.map((l) => {
    const compression = l.compression ?? compressionOfLayerType(l.mediaType) ?? 'none'
    const mediaType = layerMediaType(l.mediaType, flavor, compression)
    const d: BlobInfo = { digest: l.digest, size: l.size }
    if (mediaType !== undefined) d.mediaType = mediaType
    if (l.urls) d.urls = l.urls
    if (l.annotations && flavor === 'oci') d.annotations = l.annotations
    return d
  })
  const base: Omit<ImageManifest, 'kind' | 'mediaType'> = { config: cfg, layers: outLayers }
  if (flavor === 'oci') {
    if (m.annotations) base.annotations = m.annotations
    if (m.subject) base.subject = m.subject
    if (m.artifactType) base.artifactType = m.artifactType
  }
  return serializeImageManifest(base, flavor)
}

/** Replaces list entries (after instances were copied/converted) and serializes as `flavor`. */
export function rewriteList(l: ManifestList, flavor: Flavor, entries: ListEntry[]): Buffer {
  const base: Omit<ManifestList, 'kind' | 'mediaType'> = { manifests: entries }
  if (flavor === 'oci') {
    if (l.annotations) base.annotations = l.annotations
    if (l.subject) base.subject = l.subject
    if (l.artifactType) base.artifactType = l.artifactType
  }
  return serializeList(base, flavor)
}
