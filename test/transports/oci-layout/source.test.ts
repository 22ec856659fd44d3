import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseImageName } from '../../../src/transports/registry.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { sha256, smallImage, writeOciImage, writeOciIndex } from '../../helpers/fixtures.js'
import { collect, sha256OfStream } from '../dir/interface-copy.js'

/** A layout written by skopeo holding images tagged a and b (and a multi-arch one tagged m when asked). */
async function skopeoLayout(tmp: string, multi = false): Promise<string> {
  const fixture = join(tmp, 'fixture')
  await writeOciImage(fixture, 'a', smallImage('a'))
  await writeOciImage(fixture, 'b', smallImage('b'))
  if (multi) await writeOciIndex(fixture, 'm', [smallImage('x'), smallImage('y', { architecture: 'arm64' })])
  const out = join(tmp, 'out')
  for (const t of multi ? ['a', 'b', 'm'] : ['a', 'b']) {
    const r = await skopeo(['copy', '--all', `oci:${fixture}:${t}`, `oci:${out}:${t}`])
    assert.equal(r.code, 0, r.stderr)
  }
  return out
}

async function assertReadsLikeSkopeo(name: string, opts = {}): Promise<void> {
  const raw = await skopeo(['inspect', '--raw', name])
  assert.equal(raw.code, 0, raw.stderr)
  const src = await parseImageName(name).newImageSource(opts)
  try {
    const { top, instances, blobs } = await collect(src)
    assert.equal(top.toString(), raw.stdout)
    const m = await src.getManifest()
    assert.equal(m.digest, sha256(top))
    for (const [d, bytes] of instances) assert.equal(sha256(bytes), d)
    for (const [digest, size] of blobs) {
      const b = await src.getBlob({ digest, size })
      assert.equal(b.size, size)
      assert.deepEqual(await sha256OfStream(b.stream), { digest, size })
    }
    assert.deepEqual(await src.getSignatures(), [])
  } finally {
    await src.close()
  }
}

test('oci source reads what skopeo wrote, by ref name and by @N', async () => {
  await withTempDir(async (tmp) => {
    const out = await skopeoLayout(tmp, true)
    await assertReadsLikeSkopeo(`oci:${out}:a`)
    await assertReadsLikeSkopeo(`oci:${out}:b`)
    await assertReadsLikeSkopeo(`oci:${out}:m`)
    const src = await parseImageName(`oci:${out}:m`).newImageSource()
    assert.equal((await src.getManifest()).mediaType, 'application/vnd.oci.image.index.v1+json')
    await src.close()
    // @1 is the second entry of index.json: the image tagged b
    const byIndex = await parseImageName(`oci:${out}:@1`).newImageSource()
    const byName = await parseImageName(`oci:${out}:b`).newImageSource()
    try {
      assert.deepEqual((await byIndex.getManifest()).bytes, (await byName.getManifest()).bytes)
    } finally {
      await byIndex.close()
      await byName.close()
    }
  })
})

test('oci source: a layout with one image needs no ref', async () => {
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    await writeOciImage(fixture, 'only', smallImage())
    const out = join(tmp, 'out')
    assert.equal((await skopeo(['copy', `oci:${fixture}:only`, `oci:${out}`])).code, 0)
    await assertReadsLikeSkopeo(`oci:${out}`)
  })
})

test('oci source: several images and no ref is a clear error naming them', async () => {
  await withTempDir(async (tmp) => {
    const out = await skopeoLayout(tmp)
    await assert.rejects(parseImageName(`oci:${out}`).newImageSource(), (e: any) => {
      assert.equal(e.code, 'ERR_INVALID_REFERENCE')
      assert.match(e.message, /2 images \(a, b\)/)
      assert.match(e.message, /PATH:REF or PATH:@N/)
      return true
    })
  })
})

test('oci source: missing layout, ref or position is ImageNotFound', async () => {
  await withTempDir(async (tmp) => {
    await assert.rejects(
      parseImageName(`oci:${tmp}/none:x`).newImageSource(),
      (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && e.message.includes(`oci:${tmp}/none:x`),
    )
    const out = await skopeoLayout(tmp)
    await assert.rejects(
      parseImageName(`oci:${out}:zzz`).newImageSource(),
      (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && /it has: a, b/.test(e.message),
    )
    await assert.rejects(parseImageName(`oci:${out}:@2`).newImageSource(), { code: 'ERR_IMAGE_NOT_FOUND' })
  })
})

test('oci source refuses a blob symlinked outside the layout', async () => {
  await withTempDir(async (tmp) => {
    const out = await skopeoLayout(tmp)
    const src = await parseImageName(`oci:${out}:a`).newImageSource()
    try {
      const { blobs } = await collect(src)
      const [digest, size] = [...blobs][1]!
      const file = join(out, 'blobs', 'sha256', digest.slice(7))
      await writeFile(join(tmp, 'outside'), 'secret')
      await rm(file)
      await symlink(join(tmp, 'outside'), file)
      await assert.rejects(src.getBlob({ digest, size }), { code: 'ERR_UNSAFE_PATH' })
      // relative escapes are caught as well
      await rm(file)
      await symlink('../../../outside', file)
      await assert.rejects(src.getBlob({ digest, size }), { code: 'ERR_UNSAFE_PATH' })
    } finally {
      await src.close()
    }
  })
})

test('oci source reads blobs from a shared blob directory (--src-shared-blob-dir)', async () => {
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    await writeOciImage(fixture, 't', smallImage())
    const shared = join(tmp, 'shared')
    const out = join(tmp, 'out')
    const r = await skopeo(['copy', '--dest-shared-blob-dir', shared, `oci:${fixture}:t`, `oci:${out}:t`])
    assert.equal(r.code, 0, r.stderr)
    const raw = await skopeo(['inspect', '--raw', '--shared-blob-dir', shared, `oci:${out}:t`])
    assert.equal(raw.code, 0, raw.stderr)
    const src = await parseImageName(`oci:${out}:t`).newImageSource({ sharedBlobDir: shared })
    try {
      const { top, blobs } = await collect(src)
      assert.equal(top.toString(), raw.stdout)
      for (const [digest, size] of blobs)
        assert.deepEqual(await sha256OfStream((await src.getBlob({ digest, size })).stream), { digest, size })
    } finally {
      await src.close()
    }
  })
})
