import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { ImageNotFoundError, isSkiffError } from '../../../src/errors.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { untag } from '../../../src/transports/docker/index.js'
import { insecure, insecureCopy, isolateCache } from './helpers.js'

describe('docker:// delete and untag', () => {
  let noDeletes: Registry
  let deletes: Registry
  let restore: () => void
  before(async () => {
    restore = isolateCache()
    ;[noDeletes, deletes] = await Promise.all([startRegistry(), startRegistry({ deleteEnabled: true })])
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      await writeOciImage(layout, 'v1', smallImage('del'))
      for (const r of [noDeletes, deletes]) {
        await copy(`oci:${layout}:v1`, `docker://${r.host}/d/app:1`, insecureCopy)
        await copy(`oci:${layout}:v1`, `docker://${r.host}/d/app:2`, insecureCopy)
      }
    })
  })
  after(async () => {
    await Promise.all([noDeletes?.close(), deletes?.close()])
    restore()
  })

  it('says clearly when the registry has deletes disabled', async () => {
    const ref = parseImageName(`docker://${noDeletes.host}/d/app:1`)
    await assert.rejects(
      ref.deleteImage!(insecure),
      (e: unknown) =>
        isSkiffError(e) &&
        e.code === 'ERR_UNSUPPORTED' &&
        /deletes disabled/.test(e.message) &&
        /storage\.delete\.enabled/.test(e.message) &&
        e.message.includes('d/app'),
    )
    // nothing changed
    const still = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${noDeletes.host}/d/app:1`])
    assert.equal(still.code, 0)
  })

  it('deleting a missing tag is ImageNotFoundError', async () => {
    await assert.rejects(
      parseImageName(`docker://${deletes.host}/d/app:nope`).deleteImage!(insecure),
      ImageNotFoundError,
    )
  })

  it('untag on distribution 2.x fails clearly and changes nothing', async () => {
    for (const r of [noDeletes, deletes]) {
      await assert.rejects(
        untag(`docker://${r.host}/d/app:1`, insecure),
        (e: unknown) =>
          isSkiffError(e) &&
          e.code === 'ERR_UNSUPPORTED' &&
          /cannot remove just a tag|deletes disabled/.test(e.message),
      )
      for (const t of ['1', '2']) {
        const still = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${r.host}/d/app:${t}`])
        assert.equal(still.code, 0, `tag ${t} still there on ${r.host}`)
      }
    }
    await assert.rejects(
      untag(`docker://${deletes.host}/d/app@sha256:${'0'.repeat(64)}`, insecure),
      (e: unknown) => isSkiffError(e) && e.code === 'ERR_INVALID_ARGUMENT',
    )
  })

  it('delete by tag removes the manifest (and so every tag pointing at it)', async () => {
    await parseImageName(`docker://${deletes.host}/d/app:1`).deleteImage!(insecure)
    for (const t of ['1', '2']) {
      const gone = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${deletes.host}/d/app:${t}`])
      assert.notEqual(gone.code, 0, `tag ${t} is gone`)
    }
  })
})
