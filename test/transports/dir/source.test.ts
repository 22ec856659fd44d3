import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, symlink, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseImageName } from '../../../src/transports/registry.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { sha256, smallImage, writeOciImage, writeOciIndex } from '../../helpers/fixtures.js'
import { collect, sha256OfStream } from './interface-copy.js'

async function skopeoDir(tmp: string, all = false): Promise<string> {
  const layout = join(tmp, 'layout')
  if (all)
    await writeOciIndex(layout, 'multi', [
      smallImage('amd', { architecture: 'amd64' }),
      smallImage('arm', { architecture: 'arm64', variant: 'v8' }),
    ])
  else await writeOciImage(layout, 'tag', smallImage('one'))
  const out = join(tmp, 'out')
  const r = await skopeo(['copy', ...(all ? ['--all'] : []), `oci:${layout}:${all ? 'multi' : 'tag'}`, `dir:${out}`])
  assert.equal(r.code, 0, r.stderr)
  return out
}

test('dir source reads what skopeo wrote: manifest bytes and every blob', async () => {
  await withTempDir(async (tmp) => {
    const out = await skopeoDir(tmp)
    const raw = await skopeo(['inspect', '--raw', `dir:${out}`])
    assert.equal(raw.code, 0, raw.stderr)
    const src = await parseImageName(`dir:${out}`).newImageSource()
    try {
      const { bytes, mediaType } = await src.getManifest()
      assert.equal(bytes.toString(), raw.stdout)
      assert.equal(mediaType, '')
      const { blobs } = await collect(src)
      assert.ok(blobs.size >= 3)
      for (const [digest, size] of blobs) {
        const b = await src.getBlob({ digest, size })
        assert.equal(b.size, size)
        assert.deepEqual(await sha256OfStream(b.stream), { digest, size })
      }
      assert.deepEqual(await src.getSignatures(), [])
    } finally {
      await src.close()
    }
  })
})

test('dir source reads the instances of a list that skopeo --all wrote', async () => {
  await withTempDir(async (tmp) => {
    const out = await skopeoDir(tmp, true)
    const raw = await skopeo(['inspect', '--raw', `dir:${out}`])
    const src = await parseImageName(`dir:${out}`).newImageSource()
    try {
      const { top, instances, blobs } = await collect(src)
      assert.equal(top.toString(), raw.stdout)
      assert.equal(instances.size, 2)
      for (const [d, bytes] of instances) assert.equal(sha256(bytes), d)
      for (const [digest, size] of blobs)
        assert.deepEqual(await sha256OfStream((await src.getBlob({ digest, size })).stream), { digest, size })
    } finally {
      await src.close()
    }
  })
})

test('dir source returns stored signatures in order', async () => {
  await withTempDir(async (tmp) => {
    const out = await skopeoDir(tmp)
    await writeFile(join(out, 'signature-1'), '\xa3sig one', 'latin1')
    await writeFile(join(out, 'signature-2'), '\xa3sig two', 'latin1')
    const src = await parseImageName(`dir:${out}`).newImageSource()
    try {
      assert.deepEqual(
        (await src.getSignatures()).map((s) => s.format === 'simple-signing' && s.bytes.toString('latin1')),
        ['\xa3sig one', '\xa3sig two'],
      )
    } finally {
      await src.close()
    }
  })
})

test('dir source: a missing directory or manifest is ImageNotFound naming the image', async () => {
  await withTempDir(async (tmp) => {
    await assert.rejects(parseImageName(`dir:${tmp}/nope`).newImageSource(), (e: any) => {
      assert.equal(e.code, 'ERR_IMAGE_NOT_FOUND')
      assert.equal(e.exitCode, 2)
      assert.match(e.message, new RegExp(`dir:${tmp}/nope`))
      return true
    })
    await assert.rejects(parseImageName(`dir:${tmp}`).newImageSource(), { code: 'ERR_IMAGE_NOT_FOUND' })
  })
})

test('dir source refuses a blob symlinked outside the directory', async () => {
  await withTempDir(async (tmp) => {
    const out = await skopeoDir(tmp)
    const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))
    const layer = m.layers[0].digest.slice(7)
    await writeFile(join(tmp, 'secret'), 'not part of the image')
    await rm(join(out, layer))
    await symlink(join(tmp, 'secret'), join(out, layer))
    const src = await parseImageName(`dir:${out}`).newImageSource()
    try {
      await assert.rejects(src.getBlob({ digest: m.layers[0].digest, size: m.layers[0].size }), {
        code: 'ERR_UNSAFE_PATH',
      })
      // a symlink that stays inside is fine
      await rm(join(out, layer))
      await writeFile(join(out, 'inside'), 'x')
      await symlink('inside', join(out, layer))
      assert.equal((await src.getBlob({ digest: m.layers[0].digest, size: -1 })).size, 1)
    } finally {
      await src.close()
    }
  })
})
