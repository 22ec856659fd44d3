/**
 * A store written by docker-registry (skopeo pushes to it) is read by skiff with identical digests,
 * and skiff writing the same images produces the same tree, file for file, link for link.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { withTempDir } from '../../helpers/tools.js'
import { copy, readJson } from '../../helpers/skiff.js'
import { startRegistry } from '../../helpers/registry/index.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { listRepositories, listStoreTags } from '../../../src/transports/registry-storage/index.js'
import { pushWithSkopeo, readText, sharedLayerFixtures, tree, V2 } from './helpers.js'

const IMAGES = [
  ['base', 'library/base:1', false],
  ['app', 'apps/app:1.0', false],
  ['app', 'apps/app:stable', false],
  ['tool', 'tool:latest', false],
  ['multi', 'multi:m', true],
] as const

/** Everything but the staging folder's content (distribution leaves `_uploads` empty after a push). */
function comparable(paths: string[]): string[] {
  return paths.filter((p) => !/\/_uploads\/./.test(p))
}

test('a store written by docker-registry is read by skiff with identical digests; skiff writes the same tree', async () => {
  await withTempDir(async (t) => {
    const fx = await sharedLayerFixtures(join(t, 'src'))
    const theirs = join(t, 'theirs')
    const reg = await startRegistry({ rootDir: theirs })
    try {
      for (const [src, dest, all] of IMAGES) await pushWithSkopeo(`oci:${t}/src:${src}`, reg.host, dest, all)
    } finally {
      await reg.close()
    }
    assert.deepEqual(await listRepositories(theirs), ['apps/app', 'library/base', 'multi', 'tool'])
    assert.deepEqual(await listStoreTags(theirs, 'apps/app'), ['1.0', 'stable'])
    const src = await parseImageName(`registry-storage:${theirs}:apps/app:1.0`).newImageSource()
    try {
      assert.deepEqual(await src.listTags!(), ['1.0', 'stable'])
    } finally {
      await src.close()
    }

    const expected: Record<string, string> = {
      'library/base:1': fx.base.manifestDigest,
      'apps/app:1.0': fx.app.manifestDigest,
      'apps/app:stable': fx.app.manifestDigest,
      'tool:latest': fx.tool.manifestDigest,
      'multi:m': fx.multi.indexDigest,
    }
    for (const [, dest, all] of IMAGES) {
      const out = join(t, 'read', dest.replace(/[/:]/g, '_'))
      const r = await copy(`registry-storage:${theirs}:${dest}`, `oci:${out}:x`, all ? { multiArch: 'all' } : {})
      assert.equal(r.manifestDigest, expected[dest], dest)
      assert.equal((await readJson(join(out, 'index.json'))).manifests[0].digest, expected[dest], dest)
    }
    // by digest, and the default tag
    const byDigest = await copy(`registry-storage:${theirs}:apps/app@${fx.app.manifestDigest}`, `oci:${t}/by-digest:x`)
    assert.equal(byDigest.manifestDigest, fx.app.manifestDigest)
    const latest = await copy(`registry-storage:${theirs}:tool`, `oci:${t}/latest:x`)
    assert.equal(latest.manifestDigest, fx.tool.manifestDigest)

    // skiff writing the same images: the same tree, the same link contents
    const ours = join(t, 'ours')
    for (const [s, dest, all] of IMAGES)
      await copy(`oci:${t}/src:${s}`, `registry-storage:${ours}:${dest}`, all ? { multiArch: 'all' } : {})
    const a = comparable(await tree(theirs))
    const b = comparable(await tree(ours))
    assert.deepEqual(b, a)
    for (const p of a.filter((x) => x.endsWith('/link')))
      assert.equal(await readText(join(ours, p)), await readText(join(theirs, p)), p)
    assert.ok(a.some((p) => p.startsWith(`${V2}/repositories/multi/_manifests/revisions/`)))
  })
})
