/**
 * copyList (src/copy/list.ts) over in-memory ends: one instance by platform, every instance, some
 * platforms (sparse or stripped), the list only, conversion, and what is refused.
 */
import { UnparsedImage } from '../../src/policy/unparsed-image.js'
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { copyList } from '../../src/copy/list.js'
import type { SkiffError } from '../../src/errors.js'
import { MT } from '../../src/manifest/media-types.js'
import { parseManifest } from '../../src/manifest/parse.js'
import type { ManifestList } from '../../src/manifest/types.js'
import type { CopyContext } from '../../src/copy/context.js'
import { copyContext } from '../helpers/copy-context.js'
import { FakeDestination, type FakeDestinationOptions } from '../helpers/fake-destination.js'
import { FakeSource, fakeIndex, type FakeManifest } from '../helpers/fake-source.js'
import { buildImage, sha256, smallImage, type BuiltImage } from '../helpers/fixtures.js'

const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
]

let images: BuiltImage[] = []
let index: FakeManifest

before(async () => {
  images = await Promise.all(
    PLATFORMS.map((p) =>
      buildImage({
        ...smallImage(`list-${p.architecture}`),
        architecture: p.architecture,
        ...(p.variant ? { variant: p.variant } : {}),
      }),
    ),
  )
  index = fakeIndex(images.map((img, i) => ({ img, platform: PLATFORMS[i]! })))
})

function source(instances = images.map((img) => ({ bytes: img.manifest, mediaType: img.mediaType }))): FakeSource {
  return new FakeSource({
    top: index,
    instances,
    blobs: images.flatMap((img) => [img.config, ...img.layers.map((l) => l.bytes)]),
  })
}

function run(
  src: FakeSource,
  dest: FakeDestination,
  over: Partial<CopyContext>,
): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
  const ctx = copyContext(src, dest, over)
  return copyList(
    ctx,
    index.bytes,
    parseManifest(index.bytes, index.mediaType) as ManifestList,
    new UnparsedImage(src, { manifest: { bytes: index.bytes, mediaType: index.mediaType } }),
  )
}

const dest = (opts: FakeDestinationOptions = {}): FakeDestination => new FakeDestination(opts)
const arm64 = (): BuiltImage => images[1]!

describe('copyList', () => {
  it('system: copies the instance for the platform, as the top-level image', async () => {
    const src = source()
    const d = dest()
    const out = await run(src, d, { multiArch: 'system', platform: PLATFORMS[1]! })
    assert.equal(out.digest, arm64().manifestDigest)
    assert.deepEqual(src.manifestReads, [arm64().manifestDigest])
    assert.deepEqual([...d.manifests.keys()], [''])
    assert.ok(d.manifests.get('')!.bytes.equals(arm64().manifest))
    assert.deepEqual(new Set(src.reads), new Set([arm64().configDigest, ...arm64().layers.map((l) => l.digest)]))
  })

  it("system: no instance for the platform is skopeo's error", async () => {
    await assert.rejects(
      run(source(), dest(), { multiArch: 'system', platform: { os: 'linux', architecture: 's390x' } }),
      (e: SkiffError) =>
        e.code === 'ERR_NO_MATCHING_PLATFORM' &&
        e.message.startsWith(`choosing an image from manifest list fake:source: `),
    )
  })

  it('all: every instance under its digest, then the list unchanged at the top level', async () => {
    const d = dest()
    const out = await run(source(), d, { multiArch: 'all' })
    assert.ok(out.bytes.equals(index.bytes))
    assert.equal(out.digest, sha256(index.bytes))
    assert.deepEqual(new Set(d.manifests.keys()), new Set(['', ...images.map((i) => i.manifestDigest)]))
    assert.equal(d.calls.at(-1), 'manifest top')
  })

  it('all: a destination that holds one image refuses before anything is copied', async () => {
    const src = source()
    const d = dest({ properties: { supportsMultiImage: false } })
    await assert.rejects(
      run(src, d, { multiArch: 'all' }),
      (e: SkiffError) => e.code === 'ERR_UNSUPPORTED' && /can hold only one image/.test(e.message),
    )
    assert.deepEqual(d.calls, [])
    assert.deepEqual(src.reads, [])
  })

  it('platforms: copies those instances and keeps the whole list (sparse)', async () => {
    const d = dest()
    const out = await run(source(), d, { multiArch: [PLATFORMS[1]!] })
    assert.ok(out.bytes.equals(index.bytes))
    assert.deepEqual(new Set(d.manifests.keys()), new Set(['', arm64().manifestDigest]))
  })

  it('platforms with stripRemovedPlatforms: the list names only the copied instances', async () => {
    const d = dest()
    const out = await run(source(), d, { multiArch: [PLATFORMS[1]!], stripRemovedPlatforms: true })
    assert.notEqual(out.digest, sha256(index.bytes))
    assert.deepEqual(
      d.topJson().manifests!.map((m) => m.digest),
      [arm64().manifestDigest],
    )
  })

  it('platforms: one the list does not have is refused', async () => {
    await assert.rejects(
      run(source(), dest(), { multiArch: [{ os: 'windows', architecture: 'amd64' }] }),
      (e: SkiffError) => e.code === 'ERR_NO_MATCHING_PLATFORM',
    )
  })

  it('index-only: the list alone, no instance read', async () => {
    const src = source()
    const d = dest()
    const out = await run(src, d, { multiArch: 'index-only', stripRemovedPlatforms: true })
    assert.ok(out.bytes.equals(index.bytes))
    assert.deepEqual([...d.manifests.keys()], [''])
    assert.deepEqual(src.manifestReads, [])
    assert.equal(d.blobs.size, 0)
  })

  it('an instance manifest that does not match the digest in the list fails the copy', async () => {
    const instances = images.map((img) => ({ bytes: img.manifest, mediaType: img.mediaType }))
    const src = source(instances)
    // serve amd64's bytes when arm64's digest is asked for
    const get = src.getManifest.bind(src)
    src.getManifest = async (instance) =>
      instance === arm64().manifestDigest ? get(images[0]!.manifestDigest as typeof instance) : get(instance)
    await assert.rejects(run(src, dest(), { multiArch: 'all' }), (e: SkiffError) => e.code === 'ERR_DIGEST_MISMATCH')
  })

  it('converts the list and its instances for a destination that takes only Docker types', async () => {
    const d = dest({ properties: { supportedManifestMediaTypes: [MT.DOCKER_V2S2, MT.DOCKER_LIST] } })
    const out = await run(source(), d, { multiArch: 'all' })
    assert.equal(out.mediaType, MT.DOCKER_LIST)
    const list = d.topJson()
    assert.equal(list.mediaType, MT.DOCKER_LIST)
    for (const m of list.manifests!) {
      assert.equal(m.mediaType, MT.DOCKER_V2S2)
      assert.equal(d.manifests.get(m.digest)?.mediaType, MT.DOCKER_V2S2)
    }
    assert.deepEqual(
      list.manifests!.map((m) => m.platform),
      PLATFORMS,
    )
  })

  it('--preserve-digests refuses a list whose digest would change', async () => {
    await assert.rejects(
      run(source(), dest(), { multiArch: [PLATFORMS[0]!], stripRemovedPlatforms: true, preserveDigests: true }),
      (e: SkiffError) => e.code === 'ERR_PRESERVE_DIGESTS',
    )
  })
})
