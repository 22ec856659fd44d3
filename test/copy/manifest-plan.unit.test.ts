/** Which manifest type the engine writes (src/copy/manifest-plan.ts): pure decisions, no I/O. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ManifestTypeRejectedError, type SkiffError } from '../../src/errors.js'
import { MT } from '../../src/manifest/media-types.js'
import {
  chooseImageManifestType,
  chooseListType,
  formatMediaType,
  imageTypeForList,
} from '../../src/copy/manifest-plan.js'

const DEST = 'fake:dest'

describe('chooseImageManifestType', () => {
  it("keeps the source's type when the destination takes it", () => {
    assert.equal(chooseImageManifestType(MT.DOCKER_V2S2, undefined, undefined, false, DEST), MT.DOCKER_V2S2)
    assert.equal(
      chooseImageManifestType(MT.OCI_MANIFEST, [MT.DOCKER_V2S2, MT.OCI_MANIFEST], undefined, false, DEST),
      MT.OCI_MANIFEST,
    )
    assert.equal(
      chooseImageManifestType(MT.DOCKER_V2S1_SIGNED, undefined, undefined, false, DEST),
      MT.DOCKER_V2S1_SIGNED,
    )
  })

  it('converts to the first type the destination supports', () => {
    assert.equal(
      chooseImageManifestType(MT.DOCKER_V2S2, [MT.OCI_MANIFEST, MT.OCI_INDEX], undefined, false, DEST),
      MT.OCI_MANIFEST,
    )
    assert.equal(chooseImageManifestType(MT.OCI_MANIFEST, [MT.DOCKER_V2S2], undefined, false, DEST), MT.DOCKER_V2S2)
    // schema1 is never a conversion target
    assert.equal(
      chooseImageManifestType(MT.OCI_MANIFEST, [MT.DOCKER_V2S1_SIGNED, MT.DOCKER_V2S2], undefined, false, DEST),
      MT.DOCKER_V2S2,
    )
  })

  it('zstd layers need an OCI manifest: a Docker source is converted, a Docker-only destination refused', () => {
    assert.equal(chooseImageManifestType(MT.DOCKER_V2S2, undefined, undefined, true, DEST), MT.OCI_MANIFEST)
    assert.equal(
      chooseImageManifestType(MT.DOCKER_V2S2, [MT.DOCKER_V2S2, MT.OCI_MANIFEST], undefined, true, DEST),
      MT.OCI_MANIFEST,
    )
    assert.throws(
      () => chooseImageManifestType(MT.OCI_MANIFEST, [MT.DOCKER_V2S2], undefined, true, DEST),
      ManifestTypeRejectedError,
    )
  })

  it('a forced type (--format) wins, and is refused where it cannot be written', () => {
    assert.equal(chooseImageManifestType(MT.OCI_MANIFEST, undefined, MT.DOCKER_V2S2, false, DEST), MT.DOCKER_V2S2)
    assert.throws(
      () => chooseImageManifestType(MT.DOCKER_V2S2, [MT.OCI_MANIFEST], MT.DOCKER_V2S2, false, DEST),
      (e: Error) => e instanceof ManifestTypeRejectedError && /does not accept/.test(e.message),
    )
    assert.throws(
      () => chooseImageManifestType(MT.OCI_MANIFEST, undefined, MT.DOCKER_V2S1_SIGNED, false, DEST),
      (e: SkiffError) => e.code === 'ERR_UNSUPPORTED',
    )
    assert.equal(
      chooseImageManifestType(MT.DOCKER_V2S1_SIGNED, undefined, MT.DOCKER_V2S1_SIGNED, false, DEST),
      MT.DOCKER_V2S1_SIGNED,
    )
    assert.throws(
      () => chooseImageManifestType(MT.OCI_MANIFEST, undefined, MT.DOCKER_V2S2, true, DEST),
      ManifestTypeRejectedError,
    )
  })

  it('refuses when no supported type is one skiff can convert to', () => {
    assert.throws(
      () => chooseImageManifestType(MT.OCI_MANIFEST, [MT.DOCKER_V2S1_SIGNED], undefined, false, DEST),
      (e: Error) => e instanceof ManifestTypeRejectedError && /cannot convert/.test(e.message),
    )
  })
})

describe('chooseListType', () => {
  it("keeps the list's type, else the destination's list type", () => {
    assert.equal(chooseListType(MT.DOCKER_LIST, undefined, undefined, DEST), MT.DOCKER_LIST)
    assert.equal(chooseListType(MT.DOCKER_LIST, [MT.OCI_MANIFEST, MT.OCI_INDEX], undefined, DEST), MT.OCI_INDEX)
    assert.throws(
      () => chooseListType(MT.OCI_INDEX, [MT.DOCKER_V2S2], undefined, DEST),
      (e: Error) => e instanceof ManifestTypeRejectedError && /cannot store a list/.test(e.message),
    )
  })

  it('a forced image type decides the list type', () => {
    assert.equal(chooseListType(MT.DOCKER_LIST, undefined, MT.OCI_MANIFEST, DEST), MT.OCI_INDEX)
    assert.equal(chooseListType(MT.OCI_INDEX, undefined, MT.DOCKER_V2S2, DEST), MT.DOCKER_LIST)
    assert.throws(() => chooseListType(MT.OCI_INDEX, [MT.OCI_INDEX], MT.DOCKER_V2S2, DEST), ManifestTypeRejectedError)
    assert.throws(
      () => chooseListType(MT.OCI_INDEX, undefined, MT.DOCKER_V2S1_SIGNED, DEST),
      (e: SkiffError) => e.code === 'ERR_UNSUPPORTED',
    )
  })
})

it('formatMediaType and imageTypeForList map names to media types', () => {
  assert.equal(formatMediaType('oci'), MT.OCI_MANIFEST)
  assert.equal(formatMediaType('v2s2'), MT.DOCKER_V2S2)
  assert.equal(formatMediaType('v2s1'), MT.DOCKER_V2S1_SIGNED)
  assert.equal(formatMediaType(undefined), undefined)
  assert.equal(imageTypeForList(MT.OCI_INDEX), MT.OCI_MANIFEST)
  assert.equal(imageTypeForList(MT.DOCKER_LIST), MT.DOCKER_V2S2)
})
