/**
 * copySingleImage (src/copy/single.ts) over in-memory ends: what reaches the destination, in which
 * form and order, and how failures and --preserve-digests stop it before anything is written.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { copySingleImage } from '../../src/copy/single.js'
import type { SkiffError } from '../../src/errors.js'
import { MT } from '../../src/manifest/media-types.js'
import type { Digest } from '../../src/digest/digest.js'
import { copyContext } from '../helpers/copy-context.js'
import { FakeDestination } from '../helpers/fake-destination.js'
import { FakeSource } from '../helpers/fake-source.js'
import { buildImage, sha256, smallImage, type BuiltImage, type ImageSpec } from '../helpers/fixtures.js'

const fourLayers = (flavor: 'oci' | 'docker' = 'oci', compression: 'gzip' | 'none' = 'gzip'): Promise<BuiltImage> => {
  const spec: ImageSpec = {
    ...smallImage('single'),
    flavor,
    layers: [1, 2, 3, 4].map((i) => ({ files: { [`f${i}`]: `layer ${i}\n` }, compression })),
  }
  return buildImage(spec)
}

const top = (img: BuiltImage, asInstance = false) => ({ bytes: img.manifest, mediaType: img.mediaType, asInstance })

describe('copySingleImage', () => {
  it('stores an unchanged image as the source has it: its blobs, then its manifest bytes at the top level', async () => {
    const img = await fourLayers()
    const dest = new FakeDestination()
    const ctx = copyContext(FakeSource.of(img), dest)
    const out = await copySingleImage(ctx, top(img))
    assert.ok(out.bytes.equals(img.manifest))
    assert.equal(out.digest, img.manifestDigest)
    assert.equal(out.mediaType, MT.OCI_MANIFEST)
    assert.ok(dest.manifests.get('')?.bytes.equals(img.manifest))
    for (const b of [img.config, ...img.layers.map((l) => l.bytes)]) assert.ok(dest.blobs.has(sha256(b)))
    assert.equal(dest.calls.at(-1), 'manifest top', 'the manifest comes after every blob')
    assert.ok(ctx.events.some((e) => e.type === 'manifest-write' && e.instance === undefined))
  })

  it('stores an instance of a list under its digest', async () => {
    const img = await fourLayers()
    const dest = new FakeDestination()
    const out = await copySingleImage(copyContext(FakeSource.of(img), dest), top(img, true))
    assert.deepEqual([...dest.manifests.keys()], [out.digest])
    assert.equal(dest.calls.at(-1), `manifest ${img.manifestDigest}`)
  })

  it('converts the manifest to a type the destination accepts (OCI → Docker schema2)', async () => {
    const img = await fourLayers()
    const dest = new FakeDestination({ properties: { supportedManifestMediaTypes: [MT.DOCKER_V2S2] } })
    const out = await copySingleImage(copyContext(FakeSource.of(img), dest), top(img))
    const m = dest.topJson()
    assert.equal(out.mediaType, MT.DOCKER_V2S2)
    assert.equal(m.mediaType, MT.DOCKER_V2S2)
    assert.equal(out.digest, sha256(out.bytes))
    assert.deepEqual(
      m.layers!.map((l) => [l.digest, l.mediaType]),
      img.layers.map((l) => [l.digest, MT.DOCKER_LAYER_GZIP]),
    )
    assert.equal(m.config!.digest, img.configDigest)
  })

  it('compresses uncompressed layers for a destination that wants them compressed, and rewrites the manifest', async () => {
    const img = await fourLayers('oci', 'none')
    const dest = new FakeDestination({ properties: { desiredLayerCompression: 'compress' } })
    const out = await copySingleImage(copyContext(FakeSource.of(img), dest), top(img))
    const m = dest.topJson()
    assert.notEqual(out.digest, img.manifestDigest)
    for (const [i, l] of m.layers!.entries()) {
      assert.equal(l.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip')
      assert.notEqual(l.digest, img.layers[i]!.digest)
      assert.equal(dest.blobs.get(l.digest)?.length, l.size)
    }
  })

  it('copies layers in parallel, but one at a time into a destination whose putBlob is not thread-safe', async () => {
    const img = await fourLayers()
    const parallel = new FakeDestination()
    await copySingleImage(copyContext(FakeSource.of(img), parallel, { parallel: 3 }), top(img))
    assert.equal(parallel.maxConcurrentPuts, 3)
    const serial = new FakeDestination({ properties: { hasThreadSafePutBlob: false } })
    await copySingleImage(copyContext(FakeSource.of(img), serial, { parallel: 3 }), top(img))
    assert.equal(serial.maxConcurrentPuts, 1)
  })

  it('--preserve-digests refuses a conversion before any blob is written', async () => {
    const img = await fourLayers()
    const dest = new FakeDestination({ properties: { supportedManifestMediaTypes: [MT.DOCKER_V2S2] } })
    const src = FakeSource.of(img)
    await assert.rejects(
      copySingleImage(copyContext(src, dest, { preserveDigests: true }), top(img)),
      (e: SkiffError) => e.code === 'ERR_PRESERVE_DIGESTS',
    )
    assert.deepEqual(dest.calls, [])
    assert.deepEqual(src.reads, [])
  })

  it('reports the layer that failed first (not the aborts of its siblings) and writes no manifest', async () => {
    const img = await fourLayers()
    const bad = img.layers[2]!
    const wrong = Buffer.from(bad.bytes)
    wrong[wrong.length - 1]! ^= 0xff
    const dest = new FakeDestination()
    const ctx = copyContext(FakeSource.of(img, { corrupt: new Map([[bad.digest, wrong]]) }), dest)
    await assert.rejects(
      copySingleImage(ctx, top(img)),
      (e: SkiffError) => e.code === 'ERR_DIGEST_MISMATCH' && e.message.includes(bad.digest),
    )
    assert.equal(dest.manifests.size, 0)
  })

  it('references foreign layers (urls) without copying them when the destination accepts that', async () => {
    const img = await fourLayers('docker')
    const m = JSON.parse(img.manifest.toString('utf8'))
    const foreign = {
      mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
      digest: sha256('not here'),
      size: 8,
      urls: ['https://example.com/layer'],
    }
    m.layers.unshift(foreign)
    const bytes = Buffer.from(JSON.stringify(m))
    const src = new FakeSource({
      top: { bytes, mediaType: MT.DOCKER_V2S2 },
      blobs: [img.config, ...img.layers.map((l) => l.bytes)],
    })
    const dest = new FakeDestination({ properties: { acceptsForeignLayerURLs: true } })
    const out = await copySingleImage(copyContext(src, dest), { bytes, mediaType: MT.DOCKER_V2S2, asInstance: false })
    assert.ok(out.bytes.equals(bytes))
    assert.ok(!src.reads.includes(foreign.digest as Digest))
    assert.ok(!dest.calls.some((c) => c.includes(foreign.digest)))
  })
})

/** A source that, like containers-storage, serves each layer uncompressed under its diff ID. */
class UncompressedLayersSource extends FakeSource {
  readonly asked: (Digest | undefined)[] = []
  constructor(
    private readonly img: BuiltImage,
    private readonly tars: Buffer[],
    private readonly count = tars.length,
  ) {
    super({ top: { bytes: img.manifest, mediaType: img.mediaType }, blobs: [img.config, ...tars] })
  }
  async layerInfosForCopy(instance?: Digest): Promise<{ digest: Digest; size: number; mediaType: string }[]> {
    this.asked.push(instance)
    return this.tars
      .slice(0, this.count)
      .map((t) => ({ digest: sha256(t), size: t.length, mediaType: MT.OCI_LAYER_TAR }))
  }
}

describe('copySingleImage with ImageSource.layerInfosForCopy', () => {
  const tarsOf = async (img: BuiltImage): Promise<Buffer[]> => {
    const { gunzipSync } = await import('node:zlib')
    return img.layers.map((l) => gunzipSync(l.bytes))
  }

  it('copies the layers the source serves and writes a manifest naming them (as containers/image)', async () => {
    const img = await fourLayers()
    const tars = await tarsOf(img)
    const src = new UncompressedLayersSource(img, tars)
    const dest = new FakeDestination()
    const out = await copySingleImage(copyContext(src, dest), top(img))
    const m = dest.topJson()
    assert.deepEqual(
      m.layers!.map((l) => [l.digest, l.size, l.mediaType]),
      img.layers.map((l) => [l.diffID, tars[img.layers.indexOf(l)]!.length, MT.OCI_LAYER_TAR]),
    )
    assert.equal(m.config!.digest, img.configDigest)
    assert.notEqual(out.digest, img.manifestDigest)
    for (const l of img.layers) assert.ok(dest.blobs.has(l.diffID), 'stored under the diff ID')
    assert.deepEqual(src.asked, [undefined])
  })

  it('asks for an instance of a list by its digest', async () => {
    const img = await fourLayers()
    const src = new UncompressedLayersSource(img, await tarsOf(img))
    await copySingleImage(copyContext(src, new FakeDestination()), top(img, true))
    assert.deepEqual(src.asked, [img.manifestDigest])
  })

  it('refuses a layer count that differs from the manifest, and --preserve-digests before anything is written', async () => {
    const img = await fourLayers()
    const tars = await tarsOf(img)
    const short = new FakeDestination()
    await assert.rejects(
      copySingleImage(copyContext(new UncompressedLayersSource(img, tars, 3), short), top(img)),
      (e: SkiffError) => e.code === 'ERR_MANIFEST_INVALID' && /lists 4 layers but the source holds 3/.test(e.message),
    )
    const kept = new FakeDestination()
    await assert.rejects(
      copySingleImage(copyContext(new UncompressedLayersSource(img, tars), kept, { preserveDigests: true }), top(img)),
      (e: SkiffError) => e.code === 'ERR_PRESERVE_DIGESTS',
    )
    assert.equal(kept.blobs.size, 0)
    assert.equal(short.blobs.size, 0)
  })
})
