import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { startProxy, startRegistry, type Registry } from '../../helpers/registry/index.js'
import { sha256, smallImage, writeOciImage, writeOciIndex } from '../../helpers/fixtures.js'
import { copy, readJson } from '../../helpers/skiff.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { ImageNotFoundError } from '../../../src/errors.js'
import { insecure, insecureCopy, isolateCache } from './helpers.js'
import type { Repository } from '../../../src/registry/repository.js'

describe('docker:// round trips on a plain-HTTP registry', () => {
  let reg: Registry
  let restoreCache: () => void
  before(async () => {
    restoreCache = isolateCache()
    reg = await startRegistry({ deleteEnabled: true })
  })
  after(async () => {
    await reg?.close()
    restoreCache()
  })

  it('pushes an OCI image that skopeo pulls with identical digests', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      const img = await writeOciImage(layout, 'v1', smallImage('push'))
      const res = await copy(`oci:${layout}:v1`, `docker://${reg.host}/push/app:t`, insecureCopy)
      assert.equal(res.manifestDigest, img.manifestDigest)
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/push/app:t`])
      assert.equal(raw.code, 0, raw.stderr)
      assert.equal(sha256(raw.stdout), img.manifestDigest)
      const out = join(dir, 'pulled')
      const pulled = await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/push/app:t`, `dir:${out}`])
      assert.equal(pulled.code, 0, pulled.stderr)
      for (const l of img.layers) assert.equal(sha256(await readFile(join(out, l.digest.slice(7)))), l.digest)
    })
  })

  it('pulls what skopeo pushed, with identical digests (docker v2s2)', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      await writeOciImage(layout, 'v1', smallImage('skopeo-pushed'))
      const pushed = await skopeo([
        'copy',
        '--format',
        'v2s2',
        '--dest-tls-verify=false',
        `oci:${layout}:v1`,
        `docker://${reg.host}/from-skopeo:1`,
      ])
      assert.equal(pushed.code, 0, pushed.stderr)
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/from-skopeo:1`])
      const out = join(dir, 'out')
      const res = await copy(`docker://${reg.host}/from-skopeo:1`, `dir:${out}`, insecureCopy)
      assert.equal(res.manifestDigest, sha256(raw.stdout))
      assert.equal(sha256(await readFile(join(out, 'manifest.json'))), sha256(raw.stdout))
      const m = JSON.parse(raw.stdout)
      assert.equal(m.mediaType, 'application/vnd.docker.distribution.manifest.v2+json')
      for (const l of m.layers) assert.equal(sha256(await readFile(join(out, l.digest.slice(7)))), l.digest)
      // by digest too
      const byDigest = await copy(
        `docker://${reg.host}/from-skopeo@${res.manifestDigest}`,
        `dir:${join(dir, 'bd')}`,
        insecureCopy,
      )
      assert.equal(byDigest.manifestDigest, res.manifestDigest)
    })
  })

  it('copies a multi-arch index with multiArch all; skopeo sees the same index', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      const idx = await writeOciIndex(layout, 'multi', [
        smallImage('amd', { architecture: 'amd64' }),
        smallImage('arm', { architecture: 'arm64', variant: 'v8' }),
      ])
      const res = await copy(`oci:${layout}:multi`, `docker://${reg.host}/multi:all`, {
        ...insecureCopy,
        multiArch: 'all',
      })
      assert.equal(res.manifestDigest, idx.indexDigest)
      const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/multi:all`])
      assert.equal(sha256(raw.stdout), idx.indexDigest)
      for (const img of idx.images) {
        const one = await skopeo([
          'inspect',
          '--raw',
          '--tls-verify=false',
          `docker://${reg.host}/multi@${img.manifestDigest}`,
        ])
        assert.equal(one.code, 0, one.stderr)
        assert.equal(sha256(one.stdout), img.manifestDigest)
      }
      // and back: registry → oci with every instance
      const back = await copy(`docker://${reg.host}/multi:all`, `oci:${join(dir, 'back')}:m`, {
        ...insecureCopy,
        multiArch: 'all',
      })
      assert.equal(back.manifestDigest, idx.indexDigest)
    })
  })

  it('pushes by digest only with @@unknown-digest@@ and to a digest reference', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      const img = await writeOciImage(layout, 'v1', smallImage('bydigest'))
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/bydigest@@unknown-digest@@`, insecureCopy)
      const raw = await skopeo([
        'inspect',
        '--raw',
        '--tls-verify=false',
        `docker://${reg.host}/bydigest@${img.manifestDigest}`,
      ])
      assert.equal(raw.code, 0, raw.stderr)
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/bydigest2@${img.manifestDigest}`, insecureCopy)
      const raw2 = await skopeo([
        'inspect',
        '--raw',
        '--tls-verify=false',
        `docker://${reg.host}/bydigest2@${img.manifestDigest}`,
      ])
      assert.equal(raw2.code, 0, raw2.stderr)
    })
  })

  it('a missing image or repository is ImageNotFoundError', async () => {
    const ref = parseImageName(`docker://${reg.host}/nothing/here:nope`)
    const src = await ref.newImageSource(insecure)
    try {
      await assert.rejects(
        src.getManifest(),
        (e: unknown) => e instanceof ImageNotFoundError && e.exitCode === 2 && e.message.includes('nothing/here'),
      )
    } finally {
      await src.close()
    }
    await withTempDir(async (dir) => {
      await assert.rejects(
        copy(`docker://${reg.host}/push/app:missing-tag`, `dir:${join(dir, 'x')}`, insecureCopy),
        ImageNotFoundError,
      )
    })
  })

  it('lists more than 100 tags (the same answer as skopeo)', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      const img = await writeOciImage(layout, 'v1', smallImage('tags'))
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/many:t0`, insecureCopy)
      // tag 104 more names by PUTting the same manifest (cheap: no blobs)
      const ref = parseImageName(`docker://${reg.host}/many:t0`)
      const dest = await ref.newImageDestination(insecure)
      const expected = ['t0']
      for (let i = 1; i <= 104; i++) {
        await (dest as unknown as { repo: Repository }).repo.putManifest(`t${i}`, img.manifest, img.mediaType)
        expected.push(`t${i}`)
      }
      await dest.close()
      const src = await ref.newImageSource(insecure)
      const tags = await src.listTags!()
      await src.close()
      assert.deepEqual([...tags].sort(), [...expected].sort())
      const oracle = await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/many`])
      assert.deepEqual([...tags].sort(), [...JSON.parse(oracle.stdout).Tags].sort())
      // distribution 2.8 ignores ?n=; a proxy that pages by 10 with Link headers (as distribution 3
      // and hosted registries do) shows the client follows every page
      const proxy = await startProxy(reg, { paginateTags: { pageSize: 10 } })
      try {
        const paged = await parseImageName(`docker://${proxy.host}/many:t0`).newImageSource(insecure)
        const pagedTags = await paged.listTags!()
        await paged.close()
        assert.deepEqual([...pagedTags].sort(), [...expected].sort())
        const pages = proxy.requests().filter((r) => r.path.endsWith('/tags/list') && r.status === 200)
        assert.equal(pages.length, Math.ceil(expected.length / 10))
      } finally {
        await proxy.close()
      }
    })
  })

  it('delete resolves the tag to its digest; the image is gone afterwards', async () => {
    await withTempDir(async (dir) => {
      const layout = join(dir, 'layout')
      await writeOciImage(layout, 'v1', smallImage('delete-me'))
      await copy(`oci:${layout}:v1`, `docker://${reg.host}/del:1`, insecureCopy)
      const ref = parseImageName(`docker://${reg.host}/del:1`)
      await ref.deleteImage!(insecure)
      const src = await ref.newImageSource(insecure)
      await assert.rejects(src.getManifest(), ImageNotFoundError)
      await src.close()
      const insp = await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/del:1`])
      assert.notEqual(insp.code, 0)
      await assert.rejects(ref.deleteImage!(insecure), ImageNotFoundError)
    })
  })

  it('writes the blob location cache atomically under $XDG_CACHE_HOME/skiff, one shard per digest prefix', async () => {
    const folder = join(process.env.XDG_CACHE_HOME!, 'skiff', 'blob-locations', reg.host)
    const shards = (await readdir(folder)).sort()
    assert.ok(shards.length > 0)
    for (const f of shards) {
      assert.match(f, /^[0-9a-f]{2}\.json$/, 'no temp file left beside the shards')
      const j = await readJson(join(folder, f))
      assert.equal(j.version, 2)
      const digests = Object.keys(j.blobs)
      assert.ok(digests.length > 0)
      for (const d of digests) assert.equal(d.slice(7, 9), f.slice(0, 2), `${d} is in the shard of its prefix`)
    }
  })
})
