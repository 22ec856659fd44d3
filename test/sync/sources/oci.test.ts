/** SyncSource oci: the layout's named images in index order; SyncDestination oci: one layout, the label as ref name. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { ociDestination, ociSource } from '../../../src/sync/sources/oci.js'
import { collect, plain } from './helpers.js'

test('oci source: every entry with a ref name, in index.json order; unnamed entries are skipped', () =>
  withTempDir(async (t) => {
    const layout = join(t, 'layout')
    await writeOciImage(layout, 'zeta:v2', smallImage('z'))
    await writeOciImage(layout, undefined, smallImage('unnamed'))
    await writeOciImage(layout, 'alpha', smallImage('a'))
    const { items } = await collect(ociSource, { kind: 'oci', input: layout })
    assert.deepEqual(items.map(plain), [
      { source: `oci:${layout}:zeta:v2`, suffix: { scoped: 'zeta:v2', path: 'zeta:v2' }, tag: 'v2', group: layout },
      { source: `oci:${layout}:alpha`, suffix: { scoped: 'alpha', path: 'alpha' }, group: layout },
    ])
  }))

test('oci source: a folder without a layout fails', () =>
  withTempDir(async (t) => {
    await assert.rejects(
      collect(ociSource, { kind: 'oci', input: join(t, 'none') }),
      (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && /no OCI layout there/.test(e.message),
    )
  }))

test('oci destination: the label names the image in the layout at DESTINATION; an invalid ref name is refused', () => {
  assert.equal(ociDestination.keepsPath, false)
  const name = {
    target: '/srv/layout',
    suffix: 'ns/app:1',
    appendSuffix: '',
    joined: '/srv/layout/ns/app:1',
    label: 'ns/app:1',
  }
  assert.equal(ociDestination.reference(name).toString(), 'oci:/srv/layout:ns/app:1')
  assert.throws(
    () => ociDestination.reference({ ...name, label: 'bad name' }),
    (e: any) =>
      e.code === 'ERR_INVALID_REFERENCE' &&
      e.message.startsWith('cannot name the image "bad name" in the OCI layout /srv/layout: not a valid ref name'),
  )
})
