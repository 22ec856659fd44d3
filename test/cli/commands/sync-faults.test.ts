/**
 * The fault suite's network part (issue 8): a sync of 100 images (10 repositories × 10 tags, one
 * shared base layer) from a registry behind a proxy that cuts 30 % of blob GETs mid-stream, to a
 * registry behind a proxy that resets 10 % of blob uploads, completes with --retry-times 3; skopeo
 * then reads every image back from the destination (verifying every blob digest) and every manifest
 * digest equals the source's.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startProxy, startRegistry, type Registry, type RegistryProxy } from '../../helpers/registry/index.js'
import { sha256, writeOciImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'
import { isolatedEnv } from './registry-env.js'

const REPOS = 10
const TAGS = 10
const repoName = (r: number) => `app${String(r).padStart(2, '0')}`

describe('sync of 100 images through faulty proxies', () => {
  let src: Registry
  let dst: Registry
  let pullProxy: RegistryProxy
  let pushProxy: RegistryProxy
  const digests = new Map<string, string>() // "appNN:tK" → manifest digest
  let storage: string // the source registry's storage root, filled before it starts
  before(async () => {
    storage = await mkdtemp(join(tmpdir(), 'skiff-test-sync-faults-'))
    await withTempDir(async (dir) => {
      const base = randomBytes(100_000)
      const layout = join(dir, 'l')
      for (let r = 0; r < REPOS; r++) {
        for (let t = 0; t < TAGS; t++) {
          const tag = `t${t}`
          const img = await writeOciImage(layout, `${repoName(r)}-${tag}`, {
            layers: [
              { files: { 'base.bin': base } },
              { files: { 'own.bin': randomBytes(80_000), 'name.txt': `${r}/${t}\n` } },
            ],
          })
          digests.set(`${repoName(r)}:${tag}`, img.manifestDigest)
          // straight into the registry's storage (registry-storage:), not 100 pushes over HTTP
          await copy(`oci:${layout}:${repoName(r)}-${tag}`, `registry-storage:${storage}:fleet/${repoName(r)}:${tag}`)
        }
      }
    })
    ;[src, dst] = await Promise.all([startRegistry({ rootDir: storage }), startRegistry()])
    pullProxy = await startProxy(src, { randomFaults: { blobGets: 0.3, seed: 8 } })
    pushProxy = await startProxy(dst, { randomFaults: { uploads: 0.1, seed: 15 } })
  })
  after(async () => {
    await Promise.all([pullProxy?.close(), pushProxy?.close()])
    await Promise.all([src?.close(), dst?.close()])
    if (storage) await rm(storage, { recursive: true, force: true })
  })

  it('completes with --retry-times 3; skopeo verifies every image at the destination', async () => {
    await withTempDir(async (dir) => {
      const { env } = await isolatedEnv(dir)
      const yaml = join(dir, 'src.yaml')
      const tags = Array.from({ length: TAGS }, (_, t) => `"t${t}"`).join(', ')
      await writeFile(
        yaml,
        `${pullProxy.host}:\n  tls-verify: false\n  images:\n${Array.from({ length: REPOS }, (_, r) => `    fleet/${repoName(r)}: [${tags}]\n`).join('')}`,
      )
      const r = await skiff(
        [
          '--insecure-policy',
          'sync',
          '--src',
          'yaml',
          '--dest',
          'docker',
          '--dest-tls-verify=false',
          '--retry-times',
          '3',
          '--retry-delay',
          '200ms',
          yaml,
          `${pushProxy.host}/mirror`,
        ],
        { env, timeoutMs: 240_000 },
      )
      assert.equal(r.code, 0, r.stderr.slice(-4000))

      const gets = pullProxy.requests().filter((e) => e.method === 'GET' && /\/blobs\/sha256:/.test(e.path))
      const faulted = gets.filter((e) => e.fault === 'reset')
      // a cut lands 1..64 KiB in: small blobs (configs) end before it, so fewer GETs are really cut
      const cutGets = faulted.filter((e) => !e.completed)
      const uploads = pushProxy
        .requests()
        .filter((e) => (e.method === 'PUT' || e.method === 'PATCH') && e.path.includes('/blobs/uploads/'))
      const cutUploads = uploads.filter((e) => e.fault === 'upload-reset')
      assert.ok(faulted.length >= 0.2 * gets.length, `blob GETs faulted: ${faulted.length} of ${gets.length}`)
      assert.ok(cutGets.length >= 20, `blob GETs cut mid-stream: ${cutGets.length} of ${gets.length}`)
      assert.ok(cutUploads.length >= 5, `uploads reset: ${cutUploads.length} of ${uploads.length}`)

      // skopeo reads everything back straight from the destination registry, verifying each blob
      const back = join(dir, 'back.yaml')
      await writeFile(
        back,
        `${dst.host}:\n  tls-verify: false\n  images:\n${Array.from({ length: REPOS }, (_, i) => `    mirror/${repoName(i)}: [${tags}]\n`).join('')}`,
      )
      const sk = await skopeo(['sync', '--scoped', '--src', 'yaml', '--dest', 'dir', back, join(dir, 'out')])
      assert.equal(sk.code, 0, sk.stderr.slice(-2000))
      let checked = 0
      for (const [name, digest] of digests) {
        const [repo, tag] = name.split(':') as [string, string]
        const m = await readFile(join(dir, 'out', dst.host, 'mirror', `${repo}:${tag}`, 'manifest.json'))
        assert.equal(sha256(m), digest, name)
        checked++
      }
      assert.equal(checked, REPOS * TAGS)
    })
  })
})
