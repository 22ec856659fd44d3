/**
 * The blob pipeline (src/copy/blob.ts) over in-memory ends: the plan per layer, reuse before
 * reading, one transfer per digest, verification, and what the destination is given.
 */
import assert from 'node:assert/strict'
import { gunzipSync } from 'node:zlib'
import { describe, it } from 'node:test'
import { BlobCopier, compressionFromMediaType, planOp, type LayerCompressionPolicy } from '../../src/copy/blob.js'
import type { SkiffError } from '../../src/errors.js'
import type { BlobInfo } from '../../src/manifest/types.js'
import { FakeDestination } from '../helpers/fake-destination.js'
import { FakeSource } from '../helpers/fake-source.js'
import { buildImage, smallImage, type BuiltImage } from '../helpers/fixtures.js'

const keep = { kind: 'keep' }
const policy = (
  mode: LayerCompressionPolicy['mode'],
  format: 'gzip' | 'zstd' = 'gzip',
  force = false,
): LayerCompressionPolicy => ({ mode, format, force })

describe('planOp', () => {
  it('preserve (or no policy) keeps every layer as it is', () => {
    for (const c of ['none', 'gzip', 'zstd'] as const) {
      assert.deepEqual(planOp(c, undefined), keep)
      assert.deepEqual(planOp(c, policy('preserve')), keep)
    }
  })

  it('decompress undoes compression only', () => {
    assert.deepEqual(planOp('none', policy('decompress')), keep)
    assert.deepEqual(planOp('gzip', policy('decompress')), { kind: 'decompress', from: 'gzip' })
    assert.deepEqual(planOp('zstd', policy('decompress')), { kind: 'decompress', from: 'zstd' })
  })

  it('compress compresses what is uncompressed; other formats change only when the format was asked for', () => {
    assert.deepEqual(planOp('none', policy('compress')), { kind: 'compress', to: 'gzip', from: 'none' })
    assert.deepEqual(planOp('none', policy('compress', 'zstd')), { kind: 'compress', to: 'zstd', from: 'none' })
    assert.deepEqual(planOp('gzip', policy('compress', 'zstd')), keep)
    assert.deepEqual(planOp('gzip', policy('compress', 'zstd', true)), { kind: 'compress', to: 'zstd', from: 'gzip' })
    assert.deepEqual(planOp('gzip', policy('compress', 'gzip', true)), keep)
  })
})

it('compressionFromMediaType reads the suffix of layer media types', () => {
  assert.equal(compressionFromMediaType('application/vnd.oci.image.layer.v1.tar+gzip'), 'gzip')
  assert.equal(compressionFromMediaType('application/vnd.docker.image.rootfs.diff.tar.gzip'), 'gzip')
  assert.equal(compressionFromMediaType('application/vnd.oci.image.layer.v1.tar+zstd'), 'zstd')
  assert.equal(compressionFromMediaType('application/vnd.oci.image.layer.v1.tar'), 'none')
  assert.equal(compressionFromMediaType('application/vnd.docker.image.rootfs.diff.tar'), 'none')
  assert.equal(compressionFromMediaType('application/vnd.oci.image.config.v1+json'), undefined)
  assert.equal(compressionFromMediaType(undefined), undefined)
})

describe('BlobCopier', () => {
  const image = (compression: 'gzip' | 'none'): Promise<BuiltImage> =>
    buildImage({ ...smallImage('blob'), layers: smallImage('blob').layers.map((l) => ({ ...l, compression })) })
  const infoOf = (l: BuiltImage['layers'][number]): BlobInfo => ({
    digest: l.digest as BlobInfo['digest'],
    size: l.size,
    mediaType: l.mediaType,
  })

  it('reuses a blob the destination has without reading the source', async () => {
    const img = await image('gzip')
    const l = img.layers[0]!
    const src = FakeSource.of(img)
    const dest = new FakeDestination({ existing: [l.bytes] })
    const out = await new BlobCopier(src, dest).copy({
      info: infoOf(l),
      kind: 'layer',
      compression: policy('preserve'),
    })
    assert.equal(out.reused, true)
    assert.equal(out.digest, l.digest)
    assert.equal(out.compression, 'gzip')
    assert.deepEqual(src.reads, [])
    assert.ok(!dest.calls.some((c) => c.startsWith('putBlob')))
  })

  it('does not ask for reuse when the layer will be converted (the stored digest would differ)', async () => {
    const img = await image('none')
    const l = img.layers[0]!
    const dest = new FakeDestination({ existing: [l.bytes] })
    const out = await new BlobCopier(FakeSource.of(img), dest).copy({
      info: infoOf(l),
      kind: 'layer',
      compression: policy('compress'),
    })
    assert.equal(out.reused, false)
    assert.deepEqual(dest.calls, [`putBlob ${l.digest}`])
  })

  it('keeps a layer byte for byte and tells the destination the digest it verifies', async () => {
    const img = await image('gzip')
    const l = img.layers[1]!
    const dest = new FakeDestination()
    const out = await new BlobCopier(FakeSource.of(img), dest).copy({
      info: infoOf(l),
      kind: 'layer',
      compression: policy('preserve'),
    })
    assert.deepEqual(
      { digest: out.digest, size: out.size, reused: out.reused, compression: out.compression },
      { digest: l.digest, size: l.size, reused: false, compression: 'gzip' },
    )
    assert.ok(dest.blobs.get(l.digest)?.equals(l.bytes))
    assert.equal(dest.putOptions.get(l.digest)?.expectedDigest, l.digest)
  })

  it('computes the DiffID of a kept compressed layer when asked (schema1 conversion)', async () => {
    const img = await image('gzip')
    const l = img.layers[0]!
    const out = await new BlobCopier(FakeSource.of(img), new FakeDestination()).copy({
      info: infoOf(l),
      kind: 'layer',
      compression: policy('preserve'),
      needUncompressedDigest: true,
    })
    assert.equal(out.digest, l.digest)
    assert.equal(out.uncompressedDigest, l.diffID)
  })

  it('compresses an uncompressed layer (new digest, DiffID = the old digest, no expected digest)', async () => {
    const img = await image('none')
    const l = img.layers[0]!
    const dest = new FakeDestination()
    const out = await new BlobCopier(FakeSource.of(img), dest).copy({
      info: infoOf(l),
      kind: 'layer',
      compression: policy('compress'),
    })
    assert.notEqual(out.digest, l.digest)
    assert.equal(out.compression, 'gzip')
    assert.equal(out.uncompressedDigest, l.digest)
    const stored = dest.blobs.get(out.digest)!
    assert.ok(gunzipSync(stored).equals(l.bytes))
    assert.equal(dest.putOptions.get(out.digest)?.expectedDigest, undefined)
  })

  it('decompresses a gzip layer for a destination that wants them uncompressed', async () => {
    const img = await image('gzip')
    const l = img.layers[0]!
    const dest = new FakeDestination()
    const out = await new BlobCopier(FakeSource.of(img), dest).copy({
      info: infoOf(l),
      kind: 'layer',
      compression: policy('decompress'),
    })
    assert.equal(out.digest, l.diffID)
    assert.equal(out.compression, 'none')
    assert.equal(out.uncompressedDigest, l.diffID)
  })

  it('never converts a config, whatever the layer policy', async () => {
    const img = await image('none')
    const dest = new FakeDestination()
    const info: BlobInfo = { digest: img.configDigest as BlobInfo['digest'], size: img.config.length }
    const out = await new BlobCopier(FakeSource.of(img), dest).copy({
      info,
      kind: 'config',
      compression: policy('compress', 'gzip', true),
    })
    assert.equal(out.digest, img.configDigest)
    assert.ok(dest.blobs.get(img.configDigest)?.equals(img.config))
    assert.equal(dest.putOptions.get(img.configDigest)?.isConfig, true)
  })

  it('moves a blob requested twice at once only once', async () => {
    const img = await image('gzip')
    const l = img.layers[0]!
    const src = FakeSource.of(img)
    const dest = new FakeDestination()
    const copier = new BlobCopier(src, dest)
    const req = { info: infoOf(l), kind: 'layer' as const, compression: policy('preserve') }
    const [a, b] = await Promise.all([copier.copy(req), copier.copy(req)])
    assert.deepEqual(a, b)
    assert.deepEqual(src.reads, [l.digest])
  })

  it('fails a blob whose bytes do not match its digest, and the destination keeps nothing', async () => {
    const img = await image('gzip')
    const l = img.layers[0]!
    const dest = new FakeDestination()
    const wrong = Buffer.from(l.bytes)
    wrong[wrong.length - 1]! ^= 0xff // same size, other content
    const src = FakeSource.of(img, { corrupt: new Map([[l.digest, wrong]]) })
    await assert.rejects(
      new BlobCopier(src, dest).copy({ info: infoOf(l), kind: 'layer', compression: policy('preserve') }),
      (e: SkiffError) => e.code === 'ERR_DIGEST_MISMATCH',
    )
    assert.equal(dest.blobs.size, 0)
  })

  it("reports the source's failure, not the teardown echo, and a failed transfer can be retried", async () => {
    const img = await image('gzip')
    const l = img.layers[0]!
    const dest = new FakeDestination()
    const failing = new Set<string>([l.digest])
    const src = FakeSource.of(img, { failing })
    const copier = new BlobCopier(src, dest)
    const req = { info: infoOf(l), kind: 'layer' as const, compression: policy('preserve') }
    await assert.rejects(copier.copy(req), /the source connection dropped/)
    assert.equal(dest.blobs.size, 0)
    failing.clear()
    assert.equal((await copier.copy(req)).digest, l.digest)
  })
})
