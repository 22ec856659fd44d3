/**
 * Bad input and interrupted writes: missing store / repository / tag / digest, damaged link files,
 * corrupt blob data, blobs the repository does not link, close without commit, parallel writers.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Readable } from 'node:stream'
import { withTempDir } from '../../helpers/tools.js'
import { startRegistry } from '../../helpers/registry/index.js'
import { copy } from '../../helpers/skiff.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { registryStorageRef } from '../../../src/transports/registry-storage/index.js'
import { listStoreTags } from '../../../src/transports/registry-storage/catalog.js'
import { dataPath, readText, repoPath, V2 } from './helpers.js'

async function storeWithApp(t: string) {
  const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('app'))
  const store = join(t, 'store')
  await copy(`oci:${t}/src:v1`, `registry-storage:${store}:apps/app:v1`)
  return { img, store }
}

test('missing store, repository, tag or digest → ImageNotFound (exit 2) with a clear message', async () => {
  await withTempDir(async (t) => {
    const { store } = await storeWithApp(t)
    const cases: [string, RegExp][] = [
      [`registry-storage:${t}/nowhere:apps/app:v1`, /no registry storage at .*rootdirectory/],
      [`registry-storage:${store}:apps/other:v1`, /no repository "apps\/other"/],
      [`registry-storage:${store}:apps/app:v2`, /no tag "v2" \(it has: v1\)/],
      [`registry-storage:${store}:apps/app`, /no tag "latest"/],
      [`registry-storage:${store}:apps/app@sha256:${'0'.repeat(64)}`, /no manifest sha256:0000/],
    ]
    for (const [ref, msg] of cases) {
      await assert.rejects(copy(ref, `oci:${t}/out:x`), (e: any) => {
        assert.equal(e.code, 'ERR_IMAGE_NOT_FOUND', `${ref}: ${e.message}`)
        assert.equal(e.exitCode, 2)
        assert.match(e.message, msg)
        return true
      })
    }
  })
})

test('a link file holding garbage is a clear error naming the file', async () => {
  await withTempDir(async (t) => {
    const { store, img } = await storeWithApp(t)
    const tagLink = join(repoPath(store, 'apps/app'), '_manifests/tags/v1/current/link')
    await writeFile(tagLink, 'not a digest\n')
    await assert.rejects(copy(`registry-storage:${store}:apps/app:v1`, `oci:${t}/out:x`), (e: any) => {
      assert.equal(e.code, 'ERR_INVALID_LAYOUT')
      assert.match(e.message, /current\/link holds "not a digest\\n", not a digest/)
      return true
    })
    await writeFile(tagLink, img.manifestDigest)
    const layerLink = join(repoPath(store, 'apps/app'), `_layers/sha256/${img.layers[0]!.digest.slice(7)}/link`)
    await writeFile(layerLink, img.layers[1]!.digest)
    await assert.rejects(
      copy(`registry-storage:${store}:apps/app:v1`, `oci:${t}/out:x`),
      /names sha256:.*expected sha256:.*damaged/,
    )
  })
})

test('blob data that does not match its digest → DigestMismatch from the engine; unlinked blob → clear error', async () => {
  await withTempDir(async (t) => {
    const { store, img } = await storeWithApp(t)
    const layer = img.layers[0]!
    const bad = Buffer.from(layer.bytes)
    bad[bad.length - 1] ^= 0xff
    await rm(dataPath(store, layer.digest))
    await writeFile(dataPath(store, layer.digest), bad)
    await assert.rejects(copy(`registry-storage:${store}:apps/app:v1`, `oci:${t}/out:x`), (e: any) => {
      assert.equal(e.code, 'ERR_DIGEST_MISMATCH', e.message)
      return true
    })
    assert.equal(existsSync(join(t, 'out', 'index.json')), false)

    // a corrupt manifest is caught even store → store (manifests are always verified)
    const m = Buffer.from(img.manifest)
    m[m.length - 2] = 0x20
    await rm(dataPath(store, img.manifestDigest))
    await writeFile(dataPath(store, img.manifestDigest), m)
    await assert.rejects(
      copy(`registry-storage:${store}:apps/app:v1`, `registry-storage:${t}/other:apps/app:v1`),
      (e: any) => e.code === 'ERR_DIGEST_MISMATCH',
    )
    assert.equal(existsSync(join(repoPath(join(t, 'other'), 'apps/app'), '_manifests')), false)

    // repository scoping: a blob the repository does not link is not served, even if its data exists
    await writeFile(dataPath(store, img.manifestDigest), img.manifest)
    await writeFile(dataPath(store, layer.digest), layer.bytes)
    await rm(join(repoPath(store, 'apps/app'), `_layers/sha256/${img.configDigest.slice(7)}`), { recursive: true })
    await assert.rejects(copy(`registry-storage:${store}:apps/app:v1`, `oci:${t}/out2:x`), (e: any) => {
      assert.equal(e.code, 'ERR_INVALID_LAYOUT')
      assert.match(e.message, new RegExp(`blob ${img.configDigest} is not linked to repository "apps/app"`))
      return true
    })
  })
})

test('close without commit leaves no link and no repository (new or existing); the order of commit is tested below', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('app'))
    const store = join(t, 'store')
    const dest = await registryStorageRef(store, 'apps/app', 'v1').newImageDestination()
    for (const l of img.layers) await dest.putBlob(Readable.from([l.bytes]), { digest: l.digest, size: l.size })
    await dest.putBlob(
      Readable.from([img.config]),
      { digest: img.configDigest, size: img.config.length },
      { isConfig: true },
    )
    await dest.putManifest(img.manifest, img.mediaType)
    await dest.close()
    assert.equal(existsSync(repoPath(store, 'apps')), false, 'the repository folders it created are gone')
    assert.ok(
      existsSync(dataPath(store, img.layers[0]!.digest)),
      'blob data stays (unreferenced; garbage-collect removes it)',
    )
    const links = (await readdir(join(store, V2), { recursive: true })).filter((p) => String(p).endsWith('link'))
    assert.deepEqual(links, [])

    // into an existing repository: nothing of the new tag appears
    await copy(`oci:${t}/src:v1`, `registry-storage:${store}:apps/app:v1`)
    const d2 = await registryStorageRef(store, 'apps/app', 'v2').newImageDestination()
    await d2.putManifest(img.manifest, img.mediaType)
    await d2.close()
    assert.deepEqual(await listStoreTags(store, 'apps/app'), ['v1'])
    assert.equal(existsSync(join(repoPath(store, 'apps/app'), '_manifests/tags/v2')), false)
    assert.equal(
      existsSync(join(repoPath(store, 'apps/app'), '_uploads')),
      true,
      'an existing repository keeps its folders',
    )
  })
})

/**
 * The order of commit(): `_layers` and revision links first, the tag last. A link that cannot be
 * written (a file stands where its folder must go) fails the copy, and no tag appears: not on disk,
 * not in what docker-registry serves from the store. Once the obstacle is gone the copy succeeds.
 */
test('commit writes tags last: a layer or revision link that cannot be written leaves no tag', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('app'))
    const store = join(t, 'store')
    const repo = repoPath(store, 'apps/app')
    const blockers = [
      // into a new repository: the first layer's link folder is a file
      { tag: 'v1', path: join(repo, `_layers/sha256/${img.layers[0]!.digest.slice(7)}`), before: [] as string[] },
      // into the same repository, now holding v1: the manifest's revision link folder is a file
      { tag: 'v2', path: join(repo, `_manifests/revisions/sha256/${img.manifestDigest.slice(7)}`), before: ['v1'] },
    ]
    for (const b of blockers) {
      if (b.tag === 'v2')
        await rm(join(repo, `_manifests/revisions/sha256/${img.manifestDigest.slice(7)}`), { recursive: true })
      await mkdir(dirname(b.path), { recursive: true })
      await writeFile(b.path, 'in the way')
      await assert.rejects(copy(`oci:${t}/src:v1`, `registry-storage:${store}:apps/app:${b.tag}`), (e: any) =>
        /ENOTDIR|EEXIST|not a directory|file already exists/i.test(`${e.code} ${e.message}`),
      )
      await sleep(200) // nothing written late either
      assert.equal(
        existsSync(join(repo, `_manifests/tags/${b.tag}`)),
        false,
        `${b.path}: the tag was written although a link failed`,
      )
      assert.deepEqual(await listStoreTags(store, 'apps/app'), b.before)
      const reg = await startRegistry({ rootDir: store })
      try {
        const r = await fetch(`${reg.url}/v2/apps/app/tags/list`)
        const body = r.status === 200 ? (((await r.json()) as { tags: string[] | null }).tags ?? []) : []
        assert.deepEqual(body, b.before, 'docker-registry serves no new tag')
      } finally {
        await reg.close()
      }
      await rm(b.path)
      await copy(`oci:${t}/src:v1`, `registry-storage:${store}:apps/app:${b.tag}`)
      assert.deepEqual(await listStoreTags(store, 'apps/app'), [...b.before, b.tag])
    }
  })
})

test('writing by digest: the manifest must match; no tag is written', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('app'))
    const store = join(t, 'store')
    await copy(`oci:${t}/src:v1`, `registry-storage:${store}:apps/app@${img.manifestDigest}`)
    assert.deepEqual(await listStoreTags(store, 'apps/app'), [])
    assert.equal(
      await readText(
        join(repoPath(store, 'apps/app'), `_manifests/revisions/sha256/${img.manifestDigest.slice(7)}/link`),
      ),
      img.manifestDigest,
    )
    await assert.rejects(
      copy(`oci:${t}/src:v1`, `registry-storage:${store}:apps/b@sha256:${'1'.repeat(64)}`),
      (e: any) => e.code === 'ERR_DIGEST_MISMATCH',
    )
  })
})

test('parallel writers into one repository never lose a tag and leave no lock behind', async () => {
  await withTempDir(async (t) => {
    const layout = join(t, 'src')
    const imgs = []
    for (let i = 0; i < 4; i++) imgs.push(await writeOciImage(layout, `v${i}`, smallImage(`img${i}`)))
    const store = join(t, 'store')
    await Promise.all(imgs.map((_, i) => copy(`oci:${layout}:v${i}`, `registry-storage:${store}:apps/app:t${i}`)))
    assert.deepEqual(await listStoreTags(store, 'apps/app'), ['t0', 't1', 't2', 't3'])
    for (const [i, img] of imgs.entries()) {
      assert.equal(
        await readText(join(repoPath(store, 'apps/app'), `_manifests/tags/t${i}/current/link`)),
        img.manifestDigest,
      )
    }
    assert.deepEqual(await readdir(join(repoPath(store, 'apps/app'), '_uploads')), [])
  })
})
