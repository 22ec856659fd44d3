/** SyncSource registry-storage: every repository and tag of a store (sorted), or the --images-from list; SyncDestination registry-storage. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { registryStorageDestination, registryStorageSource } from '../../../src/sync/sources/registry-storage.js'
import { collect, plain } from './helpers.js'

test('registry-storage source: every repository and tag, sorted; --images-from in list order, digests too', () =>
  withTempDir(async (t) => {
    const layout = join(t, 'layout')
    const img = await writeOciImage(layout, 'v1', smallImage('rs-src'))
    const store = join(t, 'store')
    for (const name of ['ns/b:2', 'ns/b:1', 'a:latest'])
      await copy(`oci:${layout}:v1`, `registry-storage:${store}:${name}`)
    const { items } = await collect(registryStorageSource, { kind: 'registry-storage', input: store })
    assert.deepEqual(items.map(plain), [
      {
        source: `registry-storage:${store}:a:latest`,
        suffix: { scoped: 'a:latest', unscoped: 'a:latest' },
        tag: 'latest',
        group: 'a',
      },
      {
        source: `registry-storage:${store}:ns/b:1`,
        suffix: { scoped: 'ns/b:1', unscoped: 'ns/b:1' },
        tag: '1',
        group: 'ns/b',
      },
      {
        source: `registry-storage:${store}:ns/b:2`,
        suffix: { scoped: 'ns/b:2', unscoped: 'ns/b:2' },
        tag: '2',
        group: 'ns/b',
      },
    ])
    const list = join(t, 'some.list')
    await writeFile(list, `ns/b:2\nns/b@${img.manifestDigest}\n`)
    const picked = await collect(registryStorageSource, { kind: 'registry-storage', input: store, imagesFrom: list })
    assert.deepEqual(picked.items.map(plain), [
      {
        source: `registry-storage:${store}:ns/b:2`,
        suffix: { scoped: 'ns/b:2', unscoped: 'ns/b:2' },
        tag: '2',
        group: 'ns/b',
      },
      {
        source: `registry-storage:${store}:ns/b@${img.manifestDigest}`,
        suffix: { scoped: `ns/b@${img.manifestDigest}`, unscoped: `ns/b@${img.manifestDigest}` },
        group: 'ns/b',
      },
    ])
  }))

test('registry-storage source: a root with ":", a folder that is no store, a store without tags fail', () =>
  withTempDir(async (t) => {
    await assert.rejects(collect(registryStorageSource, { kind: 'registry-storage', input: 'host:/x' }), {
      code: 'ERR_INVALID_ARGUMENT',
    })
    await assert.rejects(
      collect(registryStorageSource, { kind: 'registry-storage', input: t }),
      (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && e.message.startsWith(`no registry storage at ${t} `),
    )
    await mkdir(join(t, 'docker/registry/v2/repositories'), { recursive: true })
    await assert.rejects(
      collect(registryStorageSource, { kind: 'registry-storage', input: t }),
      (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && e.message.startsWith(`No images to sync found in "${t}"`),
    )
  }))

test('registry-storage destination: paths kept, the label names the image in the store; bad names refused', () => {
  assert.equal(registryStorageDestination.keepsPath, true)
  const name = {
    target: '/srv/store',
    suffix: 'ns/app:1',
    appendSuffix: '',
    joined: '/srv/store/ns/app:1',
    label: 'ns/app:1',
  }
  assert.equal(registryStorageDestination.reference(name).toString(), 'registry-storage:/srv/store:ns/app:1')
  assert.throws(
    () => registryStorageDestination.reference({ ...name, target: 'h:/x' }),
    (e: any) => e.code === 'ERR_INVALID_REFERENCE' && e.message.includes('invalid registry-storage DESTINATION "h:/x"'),
  )
  assert.throws(
    () => registryStorageDestination.reference({ ...name, suffix: 'Bad:1', label: 'Bad:1' }),
    (e: any) =>
      e.code === 'ERR_INVALID_REFERENCE' &&
      e.message.startsWith(
        'cannot name the destination registry-storage:/srv/store:Bad:1 (DESTINATION /srv/store + Bad:1)',
      ),
  )
})
