/**
 * A store written by skiff is a real registry's storage: docker-registry (distribution 2.8) serves
 * it, skopeo pulls every image with identical digests, and `docker-registry garbage-collect`
 * removes nothing an image refers to.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Readable } from 'node:stream'
import { join } from 'node:path'
import { run, withTempDir } from '../../helpers/tools.js'
import { copy, readJson } from '../../helpers/skiff.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { startRegistry, REGISTRY_BINARY } from '../../helpers/registry/index.js'
import {
  listRepositories,
  listStoreTags,
  registryStorageImages,
  registryStorageRef,
} from '../../../src/transports/registry-storage/index.js'
import {
  sha256,
  dataFiles,
  dataPath,
  pullWithSkopeo,
  readText,
  repoPath,
  servedManifest,
  sharedLayerFixtures,
  writeGcConfig,
} from './helpers.js'

/** Writes base, app (two tags), tool (default tag) and the multi-platform list into `store`. */
async function writeStore(t: string, store: string) {
  const fx = await sharedLayerFixtures(join(t, 'src'))
  const written = new Map<string, string>()
  for (const [src, dest, multiArch] of [
    ['base', 'library/base:1', undefined],
    ['app', 'apps/app:1.0', undefined],
    ['app', 'apps/app:stable', undefined],
    ['tool', 'tool', undefined],
    ['multi', 'multi:m', 'all'],
  ] as const) {
    const r = await copy(`oci:${t}/src:${src}`, `registry-storage:${store}:${dest}`, multiArch ? { multiArch } : {})
    written.set(dest.includes(':') ? dest : `${dest}:latest`, r.manifest.toString())
  }
  return { fx, written }
}

test('a store written by skiff is served by docker-registry; skopeo pulls every image with identical digests', async () => {
  await withTempDir(async (t) => {
    const store = join(t, 'store')
    const { fx, written } = await writeStore(t, store)
    assert.equal(written.get('apps/app:1.0'), fx.app.manifest.toString())
    assert.equal(written.get('multi:m'), fx.multi.index.toString())

    // the layout, as distribution writes it: links hold the digest with no newline
    const app = repoPath(store, 'apps/app')
    assert.equal(await readText(join(app, '_manifests/tags/stable/current/link')), fx.app.manifestDigest)
    assert.equal(
      await readText(join(app, `_manifests/tags/1.0/index/sha256/${fx.app.manifestDigest.slice(7)}/link`)),
      fx.app.manifestDigest,
    )
    assert.equal(
      await readText(join(app, `_manifests/revisions/sha256/${fx.app.manifestDigest.slice(7)}/link`)),
      fx.app.manifestDigest,
    )
    for (const d of [fx.app.configDigest, ...fx.app.layers.map((l) => l.digest)]) {
      assert.equal(await readText(join(app, `_layers/sha256/${d.slice(7)}/link`)), d)
    }
    assert.ok(existsSync(join(app, '_uploads')))
    // shared layers are stored once
    const data = await dataFiles(store)
    const distinct = new Set<string>()
    for (const img of [fx.base, fx.app, fx.tool, ...fx.multi.images])
      [img.manifestDigest, img.configDigest, ...img.layers.map((l) => l.digest)].forEach((d) => distinct.add(d))
    distinct.add(fx.multi.indexDigest)
    assert.deepEqual([...data.keys()].sort(), [...distinct].sort())

    // the tree lists what was written
    assert.deepEqual(await listRepositories(store), ['apps/app', 'library/base', 'multi', 'tool'])
    assert.deepEqual(await listStoreTags(store, 'apps/app'), ['1.0', 'stable'])
    const all: string[] = []
    for await (const { name, tag } of registryStorageImages(store)) all.push(`${name}:${tag}`)
    assert.deepEqual(all, ['apps/app:1.0', 'apps/app:stable', 'library/base:1', 'multi:m', 'tool:latest'])
    const some: string[] = []
    for await (const { name, tag } of registryStorageImages(store, (n) => n.startsWith('apps/')))
      some.push(`${name}:${tag}`)
    assert.deepEqual(some, ['apps/app:1.0', 'apps/app:stable'])

    const reg = await startRegistry({ rootDir: store })
    try {
      const catalog = (await (await fetch(`${reg.url}/v2/_catalog`)).json()) as { repositories: string[] }
      assert.deepEqual(catalog.repositories, await listRepositories(store))
      const tags = (await (await fetch(`${reg.url}/v2/apps/app/tags/list`)).json()) as { tags: string[] }
      assert.deepEqual(tags.tags.sort(), ['1.0', 'stable'])
      for (const [image, manifest] of written) {
        assert.equal(await servedManifest(reg.host, image), manifest, image)
        const multi = image.startsWith('multi')
        const out = join(t, 'pulled', image.replace(/[/:]/g, '_'))
        await pullWithSkopeo(reg.host, image, `oci:${out}:x`, multi)
        const idx = await readJson(join(out, 'index.json'))
        assert.equal(idx.manifests[0].digest, sha256(manifest), image)
      }
    } finally {
      await reg.close()
    }
  })
})

test('docker-registry garbage-collect on a skiff store removes only what no image refers to', async () => {
  await withTempDir(async (t) => {
    const store = join(t, 'store')
    const { written } = await writeStore(t, store)
    // an abandoned copy: its blob is written, never linked (close without commit)
    const orphan = await writeOciImage(join(t, 'orphan'), 'o', smallImage('orphan'))
    const dest = await registryStorageRef(store, 'apps/app', 'orphan').newImageDestination()
    const l = orphan.layers[0]!
    await dest.putBlob(Readable.from([l.bytes]), { digest: l.digest, size: l.size })
    await dest.close()
    assert.ok(existsSync(dataPath(store, l.digest)))

    const before = await dataFiles(store)
    const config = join(t, 'gc.yml')
    await writeGcConfig(config, store)
    const gc = await run(REGISTRY_BINARY, ['garbage-collect', config])
    assert.equal(gc.code, 0, gc.stderr + gc.stdout)
    const after = await dataFiles(store)
    assert.deepEqual(
      [...after.keys()].sort(),
      [...before.keys()].filter((d) => d !== l.digest).sort(),
      'gc removed exactly the orphan',
    )

    const reg = await startRegistry({ rootDir: store })
    try {
      for (const [image, manifest] of written) {
        const out = join(t, 'after-gc', image.replace(/[/:]/g, '_'))
        await pullWithSkopeo(reg.host, image, `oci:${out}:x`, image.startsWith('multi'))
        assert.equal((await readJson(join(out, 'index.json'))).manifests[0].digest, sha256(manifest), image)
      }
    } finally {
      await reg.close()
    }
  })
})

test('multi-arch: every instance gets a revision link, every instance blob a _layers link; served as a list', async () => {
  await withTempDir(async (t) => {
    const store = join(t, 'store')
    const fx = await sharedLayerFixtures(join(t, 'src'))
    await copy(`oci:${t}/src:multi`, `registry-storage:${store}:multi:m`, { multiArch: 'all' })
    const repo = repoPath(store, 'multi')
    for (const d of [fx.multi.indexDigest, ...fx.multi.images.map((i) => i.manifestDigest)]) {
      assert.equal(await readText(join(repo, `_manifests/revisions/sha256/${d.slice(7)}/link`)), d)
      assert.equal(existsSync(join(repo, `_layers/sha256/${d.slice(7)}`)), false, 'manifests are not layers')
    }
    for (const img of fx.multi.images) {
      for (const d of [img.configDigest, ...img.layers.map((l) => l.digest)])
        assert.equal(await readText(join(repo, `_layers/sha256/${d.slice(7)}/link`)), d)
    }
    // read back by skiff: the list and an instance
    const back = await copy(`registry-storage:${store}:multi:m`, `oci:${t}/back:m`, { multiArch: 'all' })
    assert.equal(back.manifestDigest, fx.multi.indexDigest)
    const one = await copy(`registry-storage:${store}:multi@${fx.multi.images[1]!.manifestDigest}`, `oci:${t}/one:arm`)
    assert.equal(one.manifestDigest, fx.multi.images[1]!.manifestDigest)

    const reg = await startRegistry({ rootDir: store })
    try {
      assert.equal(await servedManifest(reg.host, 'multi:m'), fx.multi.index.toString())
      await pullWithSkopeo(reg.host, 'multi:m', `oci:${t}/pulled:m`, true)
      assert.equal((await readJson(join(t, 'pulled', 'index.json'))).manifests[0].digest, fx.multi.indexDigest)
    } finally {
      await reg.close()
    }
  })
})
