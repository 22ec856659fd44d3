import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { listRepositories } from '../../../src/transports/docker/index.js'
import { insecure, insecureCopy, isolateCache } from './helpers.js'

describe('docker:// cross-repository mounts and the catalog', () => {
  let reg: Registry
  let restoreCache: () => void
  before(async () => {
    restoreCache = isolateCache()
    reg = await startRegistry()
  })
  after(async () => {
    await reg?.close()
    restoreCache()
  })

  it('mounts blobs known to live in another repository instead of uploading them again', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      const img = await writeOciImage(layout, 'v1', smallImage('mount'))
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/team/a:1`, insecureCopy)
      const seen = reg.requests().length
      const res = await copy(`docker://${reg.host}/team/a:1`, `docker://${reg.host}/team/b:1`, insecureCopy)
      assert.equal(res.manifestDigest, img.manifestDigest)
      const reqs = reg.requests().slice(seen)
      const uploads = reqs.filter((r) => r.path.startsWith('/v2/team/b/blobs/uploads/'))
      const mounts = uploads.filter(
        (r) => r.method === 'POST' && r.query.includes('mount=') && r.query.includes('from=team%2Fa'),
      )
      assert.equal(mounts.length, img.layers.length + 1, JSON.stringify(uploads))
      assert.ok(mounts.every((m) => m.status === 201))
      assert.deepEqual(
        uploads.filter((r) => r.method === 'PUT' || r.method === 'PATCH'),
        [],
      )
      // no blob bytes were read from team/a either
      assert.deepEqual(
        reqs.filter(
          (r) => r.method === 'GET' && /\/blobs\/sha256:/.test(r.path) && r.path.includes(img.layers[0]!.digest),
        ),
        [],
      )
      const oracle = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/team/b:1`])
      assert.equal(oracle.code, 0, oracle.stderr)
    })
  })

  it('mounts within one registry even for an image it never saw pushed (skopeo pushed it)', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      const img = await writeOciImage(layout, 'v1', smallImage('skopeo-src'))
      const pushed = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        `oci:${layout}:v1`,
        `docker://${reg.host}/sk/src:1`,
      ])
      assert.equal(pushed.code, 0, pushed.stderr)
      const seen = reg.requests().length
      const res = await copy(`docker://${reg.host}/sk/src:1`, `docker://${reg.host}/sk/dst:1`, insecureCopy)
      assert.equal(res.manifestDigest, img.manifestDigest)
      const reqs = reg.requests().slice(seen)
      assert.equal(
        reqs.filter((r) => r.method === 'POST' && r.query.includes('mount=') && r.status === 201).length,
        img.layers.length + 1,
      )
      assert.deepEqual(
        reqs.filter((r) => r.method === 'GET' && r.path.includes('/blobs/')),
        [],
        'no blob was downloaded',
      )
      assert.deepEqual(
        reqs.filter((r) => (r.method === 'PUT' || r.method === 'PATCH') && r.path.includes('/blobs/uploads/')),
        [],
        'no blob was uploaded',
      )
    })
  })

  it('lists every repository across catalog pages of 10', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      await writeOciImage(layout, 'v1', smallImage('catalog'))
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/cat/r000:1`, insecureCopy)
      const expected = new Set(['team/a', 'team/b', 'sk/src', 'sk/dst', 'cat/r000'])
      for (let i = 1; i <= 105; i++) {
        const name = `cat/r${String(i).padStart(3, '0')}`
        await copy(`docker://${reg.host}/cat/r000:1`, `docker://${reg.host}/${name}:1`, insecureCopy)
        expected.add(name)
      }
      const seen = reg.requests().length
      const repos = await listRepositories(reg.host, { ...insecure, pageSize: 10 })
      assert.deepEqual([...repos].sort(), [...expected].sort())
      const pages = reg
        .requests()
        .slice(seen)
        .filter((r) => r.path === '/v2/_catalog')
      assert.ok(pages.length >= 11, `expected at least 11 catalog pages, saw ${pages.length}`)
    })
  })
})
