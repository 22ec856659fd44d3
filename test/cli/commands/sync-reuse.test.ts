/**
 * One CLI process, several images: the command's one context is shared by every copy of a sync,
 * so registry clients (ping, token, connections) are made once per registry and role, and a blob
 * another image of the same run pushed is mounted from there instead of being sent again.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeOciImage, type BuiltImage } from '../../helpers/fixtures.js'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { copy } from '../../helpers/skiff.js'
import { newContext } from '../../../src/registry/context.js'
import { withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'
import { isolatedEnv } from './registry-env.js'

let src: Registry
let dest: Registry
before(async () => {
  ;[src, dest] = await Promise.all([startRegistry(), startRegistry()])
})
after(async () => {
  await Promise.all([src?.close(), dest?.close()])
})

const REPOS = ['a', 'b', 'c']

test('sync of three images into three repositories: one client per registry and role, the shared base layer sent once and mounted twice', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'layout')
    const base = { 'base.bin': randomBytes(200 * 1024) }
    const images: BuiltImage[] = []
    for (const r of REPOS)
      images.push(await writeOciImage(layout, r, { layers: [{ files: base }, { files: { [`${r}.txt`]: r } }] }))
    const baseDigest = images[0]!.layers[0]!.digest
    for (const img of images) assert.equal(img.layers[0]!.digest, baseDigest)
    const { env } = await isolatedEnv(join(dir, 'env'))
    const setup = newContext({ env }) // the machine's cache stays untouched
    for (const r of REPOS)
      await copy(`oci:${layout}:${r}`, `docker://${src.host}/src/${r}:v1`, {
        context: setup,
        destination: { registry: { tlsVerify: false } },
      })
    await setup.close()

    const yaml = `${src.host}:\n  tls-verify: false\n  images:\n${REPOS.map((r) => `    src/${r}: [v1]\n`).join('')}`
    await writeFile(join(dir, 'sync.yml'), yaml)
    const fromSrc = src.requests().length
    const fromDest = dest.requests().length
    const r = await skiff(
      [
        '--insecure-policy',
        'sync',
        '--src',
        'yaml',
        '--dest',
        'docker',
        '--dest-tls-verify=false',
        join(dir, 'sync.yml'),
        `${dest.host}/m`,
      ],
      { env },
    )
    assert.equal(r.code, 0, r.stderr)

    const atSrc = src.requests().slice(fromSrc)
    const atDest = dest.requests().slice(fromDest)
    const pings = (reqs: typeof atSrc) => reqs.filter((q) => q.method === 'GET' && q.path === '/v2/').length
    // one reading client at the source (tag lists, HEADs and the three copies), one writing client at the destination
    assert.equal(pings(atSrc), 1, JSON.stringify(atSrc.map((q) => `${q.method} ${q.path}`)))
    assert.equal(pings(atDest), 1, JSON.stringify(atDest.map((q) => `${q.method} ${q.path}`)))

    const baseUploads = atDest.filter(
      (q) =>
        q.method === 'PUT' && q.path.includes('/blobs/uploads/') && q.query.includes(encodeURIComponent(baseDigest)),
    )
    assert.equal(baseUploads.length, 1, 'the base layer is sent once')
    const mounts = atDest.filter(
      (q) => q.method === 'POST' && q.query.includes(`mount=${encodeURIComponent(baseDigest)}`) && q.status === 201,
    )
    assert.equal(mounts.length, REPOS.length - 1, 'the other images mount it')
    // every image arrived
    for (const [i, r] of REPOS.entries()) {
      const res = await fetch(`${dest.url}/v2/m/${r}/manifests/v1`, {
        method: 'HEAD',
        headers: { accept: images[i]!.mediaType },
      })
      assert.equal(res.headers.get('docker-content-digest'), images[i]!.manifestDigest)
    }
  })
})
