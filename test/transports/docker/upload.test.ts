import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { insecureCopy, isolateCache } from './helpers.js'

describe('docker:// uploads', () => {
  let reg: Registry
  let restore: () => void
  before(async () => {
    restore = isolateCache()
    reg = await startRegistry({ relativeUrls: true })
  })
  after(async () => {
    await reg?.close()
    restore()
  })

  it('streams layers of unknown size with PATCH (compressing on the way), relative Locations', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      await writeOciImage(
        layout,
        'v1',
        smallImage('chunked', { layers: [{ files: { 'u.txt': 'uncompressed layer\n' }, compression: 'none' }] }),
      )
      const seen = reg.requests().length
      const res = await copy(`oci:${layout}:v1`, `docker://${reg.host}/up/app:1`, insecureCopy)
      const reqs = reg.requests().slice(seen)
      assert.ok(
        reqs.some((r) => r.method === 'PATCH' && r.status === 202),
        'the compressed layer went up with PATCH',
      )
      assert.ok(
        reqs.some((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/') && r.status === 201),
        'uploads completed with PUT ?digest=',
      )
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/up/app:1`])
      assert.equal(sha256(raw.stdout), res.manifestDigest)
      const m = JSON.parse(raw.stdout)
      assert.match(m.layers[0].mediaType, /gzip/)
      // skopeo can read the layer the PATCH upload wrote
      const pulled = await skopeo([
        'copy',
        '--src-tls-verify=false',
        `docker://${reg.host}/up/app:1`,
        `dir:${join(dir, 'd')}`,
      ])
      assert.equal(pulled.code, 0, pulled.stderr)
    })
  })

  it('uploads known blobs monolithically and skips blobs already present (HEAD)', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'l')
      const img = await writeOciImage(layout, 'v1', smallImage('mono'))
      let seen = reg.requests().length
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/up/mono:1`, insecureCopy)
      let reqs = reg.requests().slice(seen)
      assert.equal(reqs.filter((r) => r.method === 'PATCH').length, 0)
      assert.equal(
        reqs.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/')).length,
        img.layers.length + 1,
      )
      seen = reg.requests().length
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/up/mono:2`, insecureCopy)
      reqs = reg.requests().slice(seen)
      assert.deepEqual(
        reqs.filter((r) => r.path.includes('/blobs/uploads/')),
        [],
        'no upload for blobs this process just uploaded',
      )
    })
  })
})
