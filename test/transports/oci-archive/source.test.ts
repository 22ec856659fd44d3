import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { parseImageName } from '../../../src/transports/registry.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { collect, sha256OfStream } from '../dir/interface-copy.js'

test('oci-archive source reads what skopeo wrote, and removes its temp folder on close', async () => {
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    await writeOciImage(fixture, 't', smallImage())
    const archive = join(tmp, 'img.tar')
    const c = await skopeo(['copy', `oci:${fixture}:t`, `oci-archive:${archive}:t`])
    assert.equal(c.code, 0, c.stderr)
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${archive}:t`])
    assert.equal(raw.code, 0, raw.stderr)
    const work = join(tmp, 'work')
    await mkdir(work)
    for (const name of [`oci-archive:${archive}:t`, `oci-archive:${archive}`, `oci-archive:${archive}:@0`]) {
      const src = await parseImageName(name).newImageSource({ tmpdir: work })
      try {
        assert.equal((await readdir(work)).length, 1)
        const { top, blobs } = await collect(src)
        assert.equal(top.toString(), raw.stdout)
        for (const [digest, size] of blobs)
          assert.deepEqual(await sha256OfStream((await src.getBlob({ digest, size })).stream), { digest, size })
      } finally {
        await src.close()
      }
      assert.deepEqual(await readdir(work), [])
    }
    await assert.rejects(parseImageName(`oci-archive:${archive}:nope`).newImageSource({ tmpdir: work }), {
      code: 'ERR_IMAGE_NOT_FOUND',
    })
    assert.deepEqual(await readdir(work), [])
  })
})

test('oci-archive source: a missing archive is ImageNotFound', async () => {
  await withTempDir(async (tmp) => {
    await assert.rejects(
      parseImageName(`oci-archive:${tmp}/none.tar`).newImageSource(),
      (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && e.message.includes('none.tar'),
    )
  })
})
