/** SyncSource dir: image folders below SOURCE in lexical order, named by their path below it; SyncDestination dir. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { dirDestination, dirSource } from '../../../src/sync/sources/dir.js'
import { collect, plain } from './helpers.js'

test('dir source: every folder holding a manifest.json, lexical order, not below an image folder', () =>
  withTempDir(async (t) => {
    await writeOciImage(join(t, 'layout'), 'v1', smallImage('dir-src'))
    const root = join(t, 'src')
    for (const p of ['b/app:1', 'a/z', 'a/y:2', 'a/y:2/nested'])
      await copy(`oci:${join(t, 'layout')}:v1`, `dir:${join(root, p)}`)
    await mkdir(join(root, 'c/empty'), { recursive: true })
    const { items } = await collect(dirSource, { kind: 'dir', input: root })
    assert.deepEqual(items.map(plain), [
      { source: `dir:${root}/a/y:2`, suffix: { scoped: '/a/y:2', path: 'a/y:2' }, tag: '2', group: root },
      { source: `dir:${root}/a/z`, suffix: { scoped: '/a/z', path: 'a/z' }, group: root },
      { source: `dir:${root}/b/app:1`, suffix: { scoped: '/b/app:1', path: 'b/app:1' }, tag: '1', group: root },
    ])
    // SOURCE itself an image: named by its last element
    const single = await collect(dirSource, { kind: 'dir', input: join(root, 'b/app:1') })
    assert.deepEqual(
      single.items.map((i) => i.suffix),
      [{ scoped: 'app:1', path: 'app:1' }],
    )
  }))

test('dir source: a missing folder, or one without images, fails before anything is planned', () =>
  withTempDir(async (t) => {
    await assert.rejects(
      collect(dirSource, { kind: 'dir', input: join(t, 'none') }),
      (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && e.message.startsWith('Invalid source directory specified: '),
    )
    await mkdir(join(t, 'empty/sub'), { recursive: true })
    await assert.rejects(collect(dirSource, { kind: 'dir', input: join(t, 'empty') }), {
      code: 'ERR_IMAGE_NOT_FOUND',
      message: `No images to sync found in "${join(t, 'empty')}"`,
    })
  }))

test('dir destination: the joined path; paths are not kept', () => {
  assert.equal(dirDestination.keepsPath, false)
  const ref = dirDestination.reference({
    target: '/d',
    suffix: 'app:1',
    appendSuffix: '-x',
    joined: '/d/app:1-x',
    label: 'app:1-x',
  })
  assert.equal(ref.toString(), 'dir:/d/app:1-x')
})
