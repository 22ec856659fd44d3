/** The media type strings as the specs spell them (Docker distribution, OCI image-spec). */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MT, SUPPORTED_MANIFEST_TYPES, isListType, isSchema1Type } from '../../src/manifest/media-types.js'

test('media types as the specs spell them', () => {
  assert.deepEqual(
    { ...MT },
    {
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
    },
  )
})

test('the Accept list: every manifest type skiff reads, lists first', () => {
  assert.deepEqual(SUPPORTED_MANIFEST_TYPES, [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.v1+prettyjws',
    'application/vnd.docker.distribution.manifest.v1+json',
  ])
})

test('isListType, isSchema1Type', () => {
  for (const t of Object.values(MT)) {
    assert.equal(isListType(t), t === MT.OCI_INDEX || t === MT.DOCKER_LIST, t)
    assert.equal(isSchema1Type(t), t === MT.DOCKER_V2S1 || t === MT.DOCKER_V2S1_SIGNED, t)
  }
  assert.equal(isListType(''), false)
  assert.equal(isSchema1Type(''), false)
})
