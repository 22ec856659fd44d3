/** registry-storage: ImageReference.storedManifest — the tag's (or digest's) link in the store; blobs checked with complete. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { registryStorageRef } from '../../../src/transports/registry-storage/index.js'
import { dataPath, repoPath } from './helpers.js'

const complete = { role: 'push', complete: { allInstances: false } } as const

test('registry-storage: storedManifest by tag and by digest; an unknown tag, repository or store is undefined', () =>
  withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'layout'), 'v1', smallImage('rs-stored'))
    const store = join(t, 'store')
    await copy(`oci:${join(t, 'layout')}:v1`, `registry-storage:${store}:ns/app:v1`)
    const want = { digest: img.manifestDigest, mediaType: 'application/vnd.oci.image.manifest.v1+json' }
    assert.deepEqual(await registryStorageRef(store, 'ns/app', 'v1').storedManifest!(undefined, complete), want)
    assert.deepEqual(
      await registryStorageRef(store, 'ns/app', img.manifestDigest).storedManifest!(undefined, { role: 'pull' }),
      want,
    )
    assert.equal(await registryStorageRef(store, 'ns/app', 'v2').storedManifest!(undefined, complete), undefined)
    assert.equal(await registryStorageRef(store, 'ns/other', 'v1').storedManifest!(undefined, complete), undefined)
    assert.equal(existsSync(repoPath(store, 'ns/other')), false, 'asking creates nothing')
    assert.equal(
      await registryStorageRef(join(t, 'none'), 'ns/app', 'v1').storedManifest!(undefined, { role: 'pull' }),
      undefined,
    )
  }))

test('registry-storage: with complete, a truncated layer makes the image absent', () =>
  withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'layout'), 'v1', smallImage('rs-broken'))
    const store = join(t, 'store')
    await copy(`oci:${join(t, 'layout')}:v1`, `registry-storage:${store}:app:v1`)
    await truncate(dataPath(store, img.layers[0]!.digest), 2)
    const ref = registryStorageRef(store, 'app', 'v1')
    assert.equal(await ref.storedManifest!(undefined, complete), undefined)
    assert.equal((await ref.storedManifest!(undefined, { role: 'pull' }))?.digest, img.manifestDigest)
  }))
