/** oci: ImageReference.storedManifest — the digest index.json names for the ref; lists checked instance by instance. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rm, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { smallImage, writeOciImage, writeOciIndex } from '../../helpers/fixtures.js'
import { blobPath } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { ociLayoutTransport } from '../../../src/transports/oci-layout/transport.js'

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

test('oci: storedManifest by ref name; an unknown name or a missing layout is undefined', () =>
  withTempDir(async (t) => {
    const layout = join(t, 'layout')
    const a = await writeOciImage(layout, 'a', smallImage('oci-a'))
    const b = await writeOciImage(layout, 'b', smallImage('oci-b'))
    const ask = (name: string) =>
      ociLayoutTransport.parseReference(`${layout}:${name}`).storedManifest!(undefined, {
        role: 'push',
        complete: { allInstances: false },
      })
    assert.deepEqual(await ask('a'), { digest: a.manifestDigest, mediaType: OCI_MANIFEST })
    assert.deepEqual(await ask('b'), { digest: b.manifestDigest, mediaType: OCI_MANIFEST })
    assert.equal(await ask('c'), undefined)
    assert.equal(
      await ociLayoutTransport.parseReference(`${join(t, 'none')}:a`).storedManifest!(undefined, { role: 'pull' }),
      undefined,
    )
    await truncate(blobPath(layout, a.layers[0]!.digest), 1)
    assert.equal(await ask('a'), undefined, 'a truncated layer with complete')
    assert.equal((await ask('b'))?.digest, b.manifestDigest, 'the other image is untouched')
  }))

test('oci: a list counts as held when its present instances are complete; with allInstances every instance must be there', () =>
  withTempDir(async (t) => {
    const layout = join(t, 'layout')
    const list = await writeOciIndex(layout, 'multi', [
      smallImage('amd', { architecture: 'amd64' }),
      smallImage('arm', { architecture: 'arm64' }),
    ])
    const ref = ociLayoutTransport.parseReference(`${layout}:multi`)
    const some = { role: 'push', complete: { allInstances: false } } as const
    const all = { role: 'push', complete: { allInstances: true } } as const
    const want = { digest: list.indexDigest, mediaType: OCI_INDEX }
    assert.deepEqual(await ref.storedManifest!(undefined, all), want)
    await rm(blobPath(layout, list.images[1]!.manifestDigest))
    assert.deepEqual(
      await ref.storedManifest!(undefined, some),
      want,
      'an absent instance is fine without allInstances',
    )
    assert.equal(await ref.storedManifest!(undefined, all), undefined, 'allInstances needs every instance')
    await rm(blobPath(layout, list.images[0]!.layers[0]!.digest))
    assert.equal(await ref.storedManifest!(undefined, some), undefined, 'a present instance with a missing layer')
    assert.deepEqual(
      await ref.storedManifest!(undefined, { role: 'pull' }),
      want,
      'without complete only the list is read',
    )
  }))
