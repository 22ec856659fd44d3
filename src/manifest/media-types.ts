/** Manifest, config and layer media types of Docker schema1/schema2 and OCI. */
export const MT = {
  DOCKER_V2S1: 'application/vnd.docker.distribution.manifest.v1+json',
  DOCKER_V2S1_SIGNED: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  DOCKER_V2S2: 'application/vnd.docker.distribution.manifest.v2+json',
  DOCKER_LIST: 'application/vnd.docker.distribution.manifest.list.v2+json',
  OCI_MANIFEST: 'application/vnd.oci.image.manifest.v1+json',
  OCI_INDEX: 'application/vnd.oci.image.index.v1+json',

  DOCKER_CONFIG: 'application/vnd.docker.container.image.v1+json',
  OCI_CONFIG: 'application/vnd.oci.image.config.v1+json',

  DOCKER_LAYER_GZIP: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DOCKER_LAYER_ZSTD: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
  DOCKER_LAYER_TAR: 'application/vnd.docker.image.rootfs.diff.tar',
  DOCKER_FOREIGN_LAYER_GZIP: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  OCI_LAYER_TAR: 'application/vnd.oci.image.layer.v1.tar',
  OCI_LAYER_GZIP: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OCI_LAYER_ZSTD: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OCI_ND_LAYER_TAR: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OCI_ND_LAYER_GZIP: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  OCI_ND_LAYER_ZSTD: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
} as const

/** Every manifest type skiff reads, in the order sent in an Accept header. */
export const SUPPORTED_MANIFEST_TYPES: readonly string[] = [
  MT.OCI_INDEX,
  MT.DOCKER_LIST,
  MT.OCI_MANIFEST,
  MT.DOCKER_V2S2,
  MT.DOCKER_V2S1_SIGNED,
  MT.DOCKER_V2S1,
]

export function isListType(mediaType: string): boolean {
  return mediaType === MT.OCI_INDEX || mediaType === MT.DOCKER_LIST
}

export function isSchema1Type(mediaType: string): boolean {
  return mediaType === MT.DOCKER_V2S1 || mediaType === MT.DOCKER_V2S1_SIGNED
}
