/** dir: ImageReference.storedManifest — manifest.json's digest; with `complete`, every blob there with its size. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile, rm, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { dirTransport } from '../../../src/transports/dir/transport.js'

const complete = { role: 'push', complete: { allInstances: false } } as const

test('dir: storedManifest gives the stored manifest digest and media type; nothing there is undefined and stays absent', () =>
  withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'layout'), 'v1', smallImage('dir-stored'))
    const dir = join(t, 'img')
    await copy(`oci:${join(t, 'layout')}:v1`, `dir:${dir}`)
    const ref = dirTransport.parseReference(dir)
    const bytes = await readFile(join(dir, 'manifest.json'))
    const want = { digest: sha256(bytes), mediaType: 'application/vnd.oci.image.manifest.v1+json' }
    assert.equal(want.digest, img.manifestDigest)
    assert.deepEqual(await ref.storedManifest!(undefined, { role: 'pull' }), want)
    assert.deepEqual(await ref.storedManifest!(undefined, complete), want)
    const missing = join(t, 'nothing')
    assert.equal(await dirTransport.parseReference(missing).storedManifest!(undefined, complete), undefined)
    assert.equal(existsSync(missing), false, 'asking creates nothing')
  }))

test('dir: with complete, a truncated or missing layer makes the image absent; without, the digest is still given', () =>
  withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'layout'), 'v1', smallImage('dir-broken'))
    const dir = join(t, 'img')
    await copy(`oci:${join(t, 'layout')}:v1`, `dir:${dir}`)
    const ref = dirTransport.parseReference(dir)
    const layer = join(dir, img.layers[1]!.digest.slice('sha256:'.length))
    await truncate(layer, 3)
    assert.equal(await ref.storedManifest!(undefined, complete), undefined, 'truncated layer')
    assert.equal((await ref.storedManifest!(undefined, { role: 'pull' }))?.digest, img.manifestDigest)
    await rm(layer)
    assert.equal(await ref.storedManifest!(undefined, complete), undefined, 'missing layer')
    await rm(join(dir, 'manifest.json'))
    assert.equal(await ref.storedManifest!(undefined, { role: 'pull' }), undefined, 'no manifest')
  }))
