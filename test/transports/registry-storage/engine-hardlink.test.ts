/**
 * The engine's part of hardlink reuse (BlobCopier passes ImageSource.localBlobPath to
 * tryReusingBlob as ReuseOptions.sourcePath): an optimization that never fails a copy.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { withTempDir } from '../../helpers/tools.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { BlobCopier } from '../../../src/copy/blob.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { registryStorageRef } from '../../../src/transports/registry-storage/index.js'
import type { ImageSource } from '../../../src/transports/types.js'
import type { BlobInfo } from '../../../src/manifest/types.js'
import { dataPath } from './helpers.js'

/** The real oci: source with its localBlobPath replaced. */
function withLocalPath(src: ImageSource, f: (info: BlobInfo) => Promise<string | undefined>): ImageSource {
  return Object.assign(Object.create(src) as ImageSource, { localBlobPath: f })
}

test('the engine hardlinks what localBlobPath names, and streams (verified) when it throws or names a wrong file', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('e'))
    const src = await parseImageName(`oci:${t}/src:v1`).newImageSource()
    const store = join(t, 'store')
    const [l0, l1] = img.layers
    try {
      const dest = await registryStorageRef(store, 'e', 'v1').newImageDestination()
      try {
        // 1. the real path: hardlinked
        const a = await new BlobCopier(src, dest).copy({
          info: { digest: l0!.digest, size: l0!.size, mediaType: l0!.mediaType },
          kind: 'layer',
        })
        assert.equal(a.reused, true)
        assert.equal(
          (await stat(dataPath(store, l0!.digest))).ino,
          (await stat(join(t, 'src/blobs/sha256', l0!.digest.slice(7)))).ino,
        )
        // 2. localBlobPath throws: the copy streams
        const throwing = withLocalPath(src, async () => {
          throw new Error('boom')
        })
        const b = await new BlobCopier(throwing, dest).copy({
          info: { digest: l1!.digest, size: l1!.size, mediaType: l1!.mediaType },
          kind: 'layer',
        })
        assert.equal(b.reused, false)
        assert.equal((await stat(dataPath(store, l1!.digest))).nlink, 1)
        // 3. a path whose size differs: not linked; the streamed bytes are verified
        const wrong = join(t, 'wrong')
        await writeFile(wrong, 'not the config')
        const c = await new BlobCopier(
          withLocalPath(src, async () => wrong),
          dest,
        ).copy({ info: { digest: img.configDigest, size: img.config.length }, kind: 'config' })
        assert.equal(c.reused, false)
        assert.equal((await stat(dataPath(store, img.configDigest))).nlink, 1)
      } finally {
        await dest.close()
      }
    } finally {
      await src.close()
    }
  })
})
