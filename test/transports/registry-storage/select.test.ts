/**
 * "select": copying images from one store (or a dir:/oci: image) into another store on the same
 * filesystem hardlinks every layer and config — zero blob bytes copied — and docker-registry serves
 * the result. On another filesystem the copy falls back to streaming.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { copy, readJson } from '../../helpers/skiff.js'
import { startRegistry } from '../../helpers/registry/index.js'
import type { CopyEvent } from '../../../src/copy/events.js'
import { registryStorageImages } from '../../../src/transports/registry-storage/index.js'
import { dataFiles, dataPath, pullWithSkopeo, sharedLayerFixtures } from './helpers.js'

function blobEvents(events: CopyEvent[]): { reused: number; copied: number } {
  const done = events.filter((e): e is Extract<CopyEvent, { type: 'blob-done' }> => e.type === 'blob-done')
  return { reused: done.filter((e) => e.reused).length, copied: done.filter((e) => !e.reused).length }
}

test('select: store → store on one filesystem hardlinks every blob and manifest; docker-registry serves the new store', async () => {
  await withTempDir(async (t) => {
    const fx = await sharedLayerFixtures(join(t, 'src'))
    const pool = join(t, 'pool')
    await copy(`oci:${t}/src:base`, `registry-storage:${pool}:library/base:1`)
    await copy(`oci:${t}/src:app`, `registry-storage:${pool}:apps/app:1.0`)
    await copy(`oci:${t}/src:tool`, `registry-storage:${pool}:tool:latest`)
    await copy(`oci:${t}/src:multi`, `registry-storage:${pool}:multi:m`, { multiArch: 'all' })

    // select two of them (as sync --images-from will), plus the list
    const wanted = new Set(['apps/app:1.0', 'tool:latest', 'multi:m'])
    const out = join(t, 'out')
    const events: CopyEvent[] = []
    for await (const { name, tag } of registryStorageImages(pool, (n, tg) => wanted.has(`${n}:${tg}`))) {
      await copy(`registry-storage:${pool}:${name}:${tag}`, `registry-storage:${out}:${name}:${tag}`, {
        multiArch: 'all',
        onEvent: (e) => events.push(e),
      })
    }
    const { reused, copied } = blobEvents(events)
    assert.equal(copied, 0, 'no blob bytes copied')
    assert.ok(reused >= 7)

    const src = await dataFiles(pool)
    const dst = await dataFiles(out)
    const manifests = new Set([
      fx.app.manifestDigest,
      fx.tool.manifestDigest,
      fx.multi.indexDigest,
      ...fx.multi.images.map((i) => i.manifestDigest),
    ])
    for (const [d, f] of dst) {
      assert.ok(src.has(d), `${d} came from the pool`)
      assert.equal(f.ino, src.get(d)!.ino, `${d} is a hardlink${manifests.has(d) ? ' (a manifest)' : ''}`)
      assert.ok(f.nlink > 1)
    }
    assert.ok(!dst.has(fx.base.manifestDigest), 'base was not selected')
    assert.ok(!dst.has(fx.base.configDigest), "base's config was not selected")

    const reg = await startRegistry({ rootDir: out })
    try {
      for (const image of wanted) {
        const o = join(t, 'pulled', image.replace(/[/:]/g, '_'))
        await pullWithSkopeo(reg.host, image, `oci:${o}:x`, image.startsWith('multi'))
        assert.ok((await readJson(join(o, 'index.json'))).manifests[0].digest)
      }
      const r = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/library/base:1`])
      assert.notEqual(r.code, 0, 'an image that was not selected is not served')
    } finally {
      await reg.close()
    }
  })
})

test('dir: and oci: images on the same filesystem are hardlinked into a store', async () => {
  await withTempDir(async (t) => {
    const fx = await sharedLayerFixtures(join(t, 'src'))
    const r = await skopeo(['copy', `oci:${t}/src:app`, `dir:${t}/dir`])
    assert.equal(r.code, 0, r.stderr)
    const store = join(t, 'store')
    const e1: CopyEvent[] = []
    await copy(`oci:${t}/src:tool`, `registry-storage:${store}:tool:1`, { onEvent: (e) => e1.push(e) })
    assert.deepEqual(blobEvents(e1), { reused: 3, copied: 0 })
    const e2: CopyEvent[] = []
    await copy(`dir:${t}/dir`, `registry-storage:${store}:app:1`, { onEvent: (e) => e2.push(e) })
    assert.equal(blobEvents(e2).copied, 0)
    for (const l of fx.tool.layers)
      assert.equal(
        (await stat(dataPath(store, l.digest))).ino,
        (await stat(join(t, 'src/blobs/sha256', l.digest.slice(7)))).ino,
      )
    for (const l of fx.app.layers) assert.ok((await stat(dataPath(store, l.digest))).nlink > 1)
  })
})

test('on another filesystem the blob is streamed instead (and still verified)', async (tt) => {
  const shm = '/dev/shm'
  let other: boolean
  try {
    other = statSync(shm).dev !== statSync('/tmp').dev
  } catch {
    other = false
  }
  if (!other) {
    tt.skip('no second filesystem (/dev/shm) here')
    return
  }
  await withTempDir(async (t) => {
    const { mkdtemp, rm } = await import('node:fs/promises')
    const layout = await mkdtemp(join(shm, 'skiff-rs-'))
    try {
      const fx = await sharedLayerFixtures(layout)
      const events: CopyEvent[] = []
      await copy(`oci:${layout}:tool`, `registry-storage:${t}/store:tool:1`, { onEvent: (e) => events.push(e) })
      assert.deepEqual(blobEvents(events), { reused: 0, copied: 3 })
      for (const l of fx.tool.layers) assert.equal((await stat(dataPath(join(t, 'store'), l.digest))).nlink, 1)
    } finally {
      await rm(layout, { recursive: true, force: true })
    }
  })
})
