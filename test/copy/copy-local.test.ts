/**
 * The copy engine across local transports, with skopeo as the oracle: what skiff writes skopeo
 * reads with the same digests; conversions produce the same bytes skopeo's do.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { skopeo, withTempDir, run, requireTool } from '../helpers/tools.js'
import { writeOciImage, writeOciIndex, smallImage, sha256, type LayerSpec } from '../helpers/fixtures.js'
import { copy, readJson, blobPath } from '../helpers/skiff.js'
import type { CopyEvent } from '../../src/copy/events.js'

async function rawManifest(image: string): Promise<string> {
  const r = await skopeo(['inspect', '--raw', image])
  assert.equal(r.code, 0, r.stderr)
  return r.stdout
}

test('oci → dir keeps the manifest bytes; skopeo reads the result', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage())
    const events: CopyEvent[] = []
    const res = await copy(`oci:${t}/src:v1`, `dir:${t}/out`, { onEvent: (e) => events.push(e) })
    assert.equal(res.manifestDigest, img.manifestDigest)
    assert.equal(await rawManifest(`dir:${t}/out`), img.manifest.toString())
    assert.equal(await readFile(join(t, 'out', 'version'), 'utf8'), 'Directory Transport Version: 1.1\n')
    const done = events.filter((e) => e.type === 'blob-done')
    assert.equal(done.length, 3)
    // skopeo copies it onwards and gets the same manifest digest
    const r = await skopeo(['copy', `dir:${t}/out`, `oci:${t}/back:x`])
    assert.equal(r.code, 0, r.stderr)
    assert.equal((await readJson(join(t, 'back', 'index.json'))).manifests[0].digest, img.manifestDigest)
  })
})

test('Docker schema2 → oci: converted bytes are identical to skopeo’s conversion', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'src'), 'v1', smallImage('conv'))
    const v2 = await skopeo(['copy', '--format', 'v2s2', `oci:${t}/src:v1`, `dir:${t}/v2`])
    assert.equal(v2.code, 0, v2.stderr)
    await copy(`dir:${t}/v2`, `oci:${t}/skiff:v1`)
    const r = await skopeo(['copy', `dir:${t}/v2`, `oci:${t}/skopeo:v1`])
    assert.equal(r.code, 0, r.stderr)
    const a = (await readJson(join(t, 'skiff', 'index.json'))).manifests[0]
    const b = (await readJson(join(t, 'skopeo', 'index.json'))).manifests[0]
    assert.equal(a.digest, b.digest)
    assert.equal(a.mediaType, 'application/vnd.oci.image.manifest.v1+json')
    requireTool('umoci')
    const u = await run('umoci', ['stat', '--image', `${t}/skiff:v1`])
    assert.equal(u.code, 0, u.stderr)
  })
})

test('Docker → OCI conversion of a realistic Docker config matches skopeo byte for byte', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'src'), 'v1', {
      ...smallImage('real', { labels: { 'z.last': 'z', 'a.first': '<a&b>' } }),
      created: '2020-05-02T09:46:29.068489061Z',
      configExtra: {
        container_config: { Cmd: ['/bin/sh', '-c', '#(nop) CMD'] },
        docker_version: '19.03.5',
        container: 'abc',
        history: [
          { created: '2020-05-02T09:46:29.100000000Z', created_by: 'ADD x', comment: 'buildkit' },
          { created: '2020-05-02T09:46:30+00:00', created_by: 'ENV', empty_layer: true },
          { created: '2020-05-02T09:46:31Z', created_by: 'RUN y' },
        ],
      },
      runConfigExtra: {
        ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
        Volumes: { '/data': {} },
        WorkingDir: '/app',
        Hostname: 'h',
        OnBuild: null,
        User: 'app',
        StopSignal: 'SIGTERM',
      },
    })
    const v2 = await skopeo(['copy', '--format', 'v2s2', `oci:${t}/src:v1`, `dir:${t}/v2`])
    assert.equal(v2.code, 0, v2.stderr)
    const ours = await copy(`dir:${t}/v2`, `oci:${t}/ours:v1`)
    const r = await skopeo(['copy', `dir:${t}/v2`, `oci:${t}/theirs:v1`])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(ours.manifestDigest, (await readJson(join(t, 'theirs', 'index.json'))).manifests[0].digest)
  })
})

test('--format v2s2 and --format oci produce skopeo’s bytes', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'src'), 'v1', smallImage('fmt'))
    for (const fmt of ['v2s2', 'oci'] as const) {
      const res = await copy(`oci:${t}/src:v1`, `dir:${t}/skiff-${fmt}`, { format: fmt })
      const r = await skopeo(['copy', '--format', fmt, `oci:${t}/src:v1`, `dir:${t}/skopeo-${fmt}`])
      assert.equal(r.code, 0, r.stderr)
      const theirs = await readFile(join(t, `skopeo-${fmt}`, 'manifest.json'))
      assert.equal(res.manifestDigest, sha256(theirs), fmt)
      assert.deepEqual(await readFile(join(t, `skiff-${fmt}`, 'manifest.json')), theirs)
    }
  })
})

test('multi-arch: --all copies the index and every instance; system picks one by platform', async () => {
  await withTempDir(async (t) => {
    const idx = await writeOciIndex(join(t, 'src'), 'multi', [
      smallImage('amd', { architecture: 'amd64' }),
      smallImage('arm', { architecture: 'arm64', variant: 'v8' }),
    ])
    const all = await copy(`oci:${t}/src:multi`, `dir:${t}/all`, { multiArch: 'all' })
    assert.equal(all.manifestDigest, idx.indexDigest)
    assert.equal(await rawManifest(`dir:${t}/all`), idx.index.toString())
    for (const img of idx.images) {
      assert.ok(existsSync(join(t, 'all', `${img.manifestDigest.slice(7)}.manifest.json`)))
    }
    const r = await skopeo(['copy', '--all', `dir:${t}/all`, `oci:${t}/back:m`])
    assert.equal(r.code, 0, r.stderr)

    const arm = await copy(`oci:${t}/src:multi`, `dir:${t}/arm`, { platform: { os: 'linux', architecture: 'arm64' } })
    assert.equal(arm.manifestDigest, idx.images[1]!.manifestDigest)
    const ours = await readFile(join(t, 'arm', 'manifest.json'))
    const s = await skopeo(['--override-arch', 'arm64', 'copy', `oci:${t}/src:multi`, `dir:${t}/arm-skopeo`])
    assert.equal(s.code, 0, s.stderr)
    assert.deepEqual(ours, await readFile(join(t, 'arm-skopeo', 'manifest.json')))
  })
})

test('a platform list writes a sparse list, or a stripped one', async () => {
  await withTempDir(async (t) => {
    const idx = await writeOciIndex(join(t, 'src'), 'multi', [
      smallImage('a', { architecture: 'amd64' }),
      smallImage('b', { architecture: 'arm64', variant: 'v8' }),
      smallImage('c', { architecture: 's390x' }),
    ])
    const sparse = await copy(`oci:${t}/src:multi`, `oci:${t}/sparse:m`, {
      multiArch: [{ os: 'linux', architecture: 'arm64' }],
    })
    assert.equal(sparse.manifestDigest, idx.indexDigest)
    assert.ok(existsSync(blobPath(`${t}/sparse`, idx.images[1]!.manifestDigest)))
    assert.ok(!existsSync(blobPath(`${t}/sparse`, idx.images[0]!.manifestDigest)))
    const stripped = await copy(`oci:${t}/src:multi`, `oci:${t}/stripped:m`, {
      multiArch: [{ os: 'linux', architecture: 'arm64' }],
      stripRemovedPlatforms: true,
    })
    const list = JSON.parse(stripped.manifest.toString())
    assert.equal(list.manifests.length, 1)
    assert.equal(list.manifests[0].digest, idx.images[1]!.manifestDigest)
  })
})

test('docker-archive: skiff writes what skopeo reads, and reads what skopeo writes', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('arch'))
    await copy(`oci:${t}/src:v1`, `docker-archive:${t}/skiff.tar:example.com/app:v1`)
    const tags = await skopeo(['list-tags', `docker-archive:${t}/skiff.tar`])
    assert.equal(tags.code, 0, tags.stderr)
    assert.deepEqual(JSON.parse(tags.stdout).Tags, ['example.com/app:v1'])
    const r = await skopeo(['inspect', `docker-archive:${t}/skiff.tar`])
    assert.equal(r.code, 0, r.stderr)
    const info = JSON.parse(r.stdout)
    // layers were decompressed: their digests are the DiffIDs
    assert.deepEqual(
      info.Layers,
      img.layers.map((l) => l.diffID),
    )
    const cfg = await skopeo(['inspect', '--config', '--raw', `docker-archive:${t}/skiff.tar`])
    assert.equal(sha256(cfg.stdout), img.configDigest)

    const s = await skopeo(['copy', `oci:${t}/src:v1`, `docker-archive:${t}/skopeo.tar:app:v1`])
    assert.equal(s.code, 0, s.stderr)
    const back = await copy(`docker-archive:${t}/skopeo.tar`, `oci:${t}/back:v1`)
    const m = JSON.parse(back.manifest.toString())
    assert.equal(m.config.digest, img.configDigest)
    // the oci destination compressed the uncompressed layers again; content is unchanged
    for (const [i, l] of m.layers.entries()) {
      assert.equal(l.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip')
      assert.equal(sha256(gunzipSync(await readFile(blobPath(`${t}/back`, l.digest)))), img.layers[i]!.diffID)
    }
  })
})

test('compression: --dest-compress-format zstd recompresses; skopeo reads the zstd layers', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('z'))
    const res = await copy(`oci:${t}/src:v1`, `oci:${t}/z:v1`, { compression: { mode: 'compress', format: 'zstd' } })
    const m = JSON.parse(res.manifest.toString())
    assert.ok(
      m.layers.every((l: { mediaType: string }) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd'),
    )
    const r = await skopeo(['copy', `oci:${t}/z:v1`, `dir:${t}/d`])
    assert.equal(r.code, 0, r.stderr)
    const dec = await copy(`oci:${t}/z:v1`, `dir:${t}/plain`, { compression: { mode: 'decompress' } })
    const dm = JSON.parse(dec.manifest.toString())
    assert.deepEqual(
      dm.layers.map((l: { digest: string }) => l.digest),
      img.layers.map((l) => l.diffID),
    )
    assert.ok(dm.layers.every((l: { mediaType: string }) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar'))
  })
})

test('--preserve-digests refuses a conversion and leaves nothing behind', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'src'), 'v1', smallImage('pd', { flavor: 'docker' }))
    await assert.rejects(
      copy(`oci:${t}/src:v1`, `oci:${t}/out:v1`, { preserveDigests: true }),
      (e: any) => e.code === 'ERR_PRESERVE_DIGESTS' && /`preserveDigests` is set/.test(e.message),
    )
    assert.ok(!existsSync(join(t, 'out', 'index.json')))
    await assert.rejects(
      copy(`oci:${t}/src:v1`, `docker-archive:${t}/a.tar`, { preserveDigests: true }),
      /`preserveDigests` is set/,
    )
    assert.ok(!existsSync(join(t, 'a.tar')))
  })
})

/**
 * Corruptions that only the digest check can catch: the decompressor and the tar reader accept them
 * (a flipped byte in the gzip header's MTIME field, which gunzip ignores; a flipped byte of file
 * content in an uncompressed layer). So every destination must fail with a digest mismatch, whether
 * it keeps, decompresses or re-reads the layer.
 */
test('a blob whose content does not match its digest fails the copy (digest mismatch, for every destination); nothing is written', async () => {
  await withTempDir(async (t) => {
    const cases: { name: string; layer: LayerSpec; offset: number }[] = [
      { name: 'gzip-mtime', layer: { files: { 'a.txt': 'gzip layer content\n' } }, offset: 4 },
      { name: 'tar-content', layer: { files: { 'b.txt': 'plain layer content\n' }, compression: 'none' }, offset: 512 },
    ]
    for (const c of cases) {
      const img = await writeOciImage(
        join(t, c.name),
        'v1',
        smallImage('bad', { layers: [{ files: { 'ok.txt': 'fine\n' } }, c.layer] }),
      )
      const p = blobPath(join(t, c.name), img.layers[1]!.digest)
      const bytes = await readFile(p)
      bytes[c.offset] ^= 0x01
      await writeFile(p, bytes)
      if (c.name === 'gzip-mtime') assert.ok(gunzipSync(bytes).length > 0, 'gunzip accepts the corrupted layer')
      else
        assert.equal(bytes.subarray(512, 520).toString()[0], 'q', 'the flip lands in file content, not the tar header')
      const out = join(t, `out-${c.name}`)
      await mkdir(out)
      for (const dest of [
        `dir:${out}/d`,
        `oci:${out}/o:v1`,
        `docker-archive:${out}/a.tar`,
        `oci-archive:${out}/oa.tar:v1`,
      ]) {
        await assert.rejects(copy(`oci:${t}/${c.name}:v1`, dest), (e: any) => {
          assert.equal(e.code, 'ERR_DIGEST_MISMATCH', `${c.name} → ${dest}: ${e.message}`)
          assert.ok(e.message.includes(img.layers[1]!.digest), e.message)
          return true
        })
      }
      assert.ok(!existsSync(join(out, 'd')))
      assert.ok(!existsSync(join(out, 'o', 'index.json')))
      assert.ok(!existsSync(join(out, 'a.tar')))
      assert.ok(!existsSync(join(out, 'oa.tar')))
      assert.deepEqual(await readdir(out), [], 'no temp file, no partial destination')
    }
    assert.deepEqual(
      (await readdir(t)).filter((n) => n.endsWith('.tmp')),
      [],
    )
  })
})

test('missing images fail with ImageNotFound (exit code 2)', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'src'), 'v1', smallImage())
    for (const src of [
      `oci:${t}/src:nope`,
      `dir:${t}/nothing`,
      `oci:${t}/missing:x`,
      `docker-archive:${t}/none.tar`,
      `oci-archive:${t}/none.tar`,
    ]) {
      await assert.rejects(
        copy(src, `dir:${t}/out`),
        (e: any) => e.code === 'ERR_IMAGE_NOT_FOUND' && e.exitCode === 2 && e.message.includes(t),
        src,
      )
    }
    assert.ok(!existsSync(join(t, 'out')))
  })
})

test('two copies into one oci layout at once both end up in index.json', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'src'), 'v1', smallImage('p'))
    await Promise.all(Array.from({ length: 8 }, (_, i) => copy(`oci:${t}/src:v1`, `oci:${t}/shared:t${i}`)))
    const names = (await readJson(join(t, 'shared', 'index.json'))).manifests
      .map((m: any) => m.annotations['org.opencontainers.image.ref.name'])
      .sort()
    assert.deepEqual(names, Array.from({ length: 8 }, (_, i) => `t${i}`).sort())
  })
})

test('blobs shared between images in one layout are stored once and reused', async () => {
  await withTempDir(async (t) => {
    await writeOciImage(join(t, 'src'), 'v1', smallImage('r'))
    await copy(`oci:${t}/src:v1`, `oci:${t}/dst:a`)
    const events: CopyEvent[] = []
    await copy(`oci:${t}/src:v1`, `oci:${t}/dst:b`, { onEvent: (e) => events.push(e) })
    const done = events.filter((e): e is Extract<CopyEvent, { type: 'blob-done' }> => e.type === 'blob-done')
    assert.ok(done.length > 0 && done.every((e) => e.reused))
  })
})

test('schema1 (signed): digest as skopeo computes it; converted to OCI with the same config as skopeo', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('s1'))
    const s1 = await skopeo(['copy', '--format', 'v2s1', `oci:${t}/src:v1`, `dir:${t}/s1`])
    assert.equal(s1.code, 0, s1.stderr)
    const md = await skopeo(['manifest-digest', join(t, 's1', 'manifest.json')])
    // kept as it is in dir:
    const kept = await copy(`dir:${t}/s1`, `dir:${t}/kept`)
    assert.equal(kept.manifestDigest, md.stdout.trim())
    // converted for oci:
    const ours = await copy(`dir:${t}/s1`, `oci:${t}/ours:v1`)
    const theirs = await skopeo(['copy', `dir:${t}/s1`, `oci:${t}/theirs:v1`])
    assert.equal(theirs.code, 0, theirs.stderr)
    const a = JSON.parse(ours.manifest.toString())
    const b = JSON.parse(
      await readFile(
        blobPath(`${t}/theirs`, (await readJson(join(t, 'theirs', 'index.json'))).manifests[0].digest),
        'utf8',
      ),
    )
    const ca = await readJson(blobPath(`${t}/ours`, a.config.digest))
    const cb = await readJson(blobPath(`${t}/theirs`, b.config.digest))
    assert.deepEqual(
      ca.rootfs.diff_ids,
      img.layers.map((l) => l.diffID),
    )
    assert.deepEqual(ca, cb)
    assert.equal(a.config.digest, b.config.digest)
    assert.equal(ours.manifestDigest, (await readJson(join(t, 'theirs', 'index.json'))).manifests[0].digest)
  })
})
