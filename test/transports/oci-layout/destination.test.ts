import { test } from 'node:test'
import assert from 'node:assert/strict'
import { simpleSigning } from '../../../src/signature/types.js'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { parseImageName } from '../../../src/transports/registry.js'
import { run, skopeo, withTempDir, requireTool } from '../../helpers/tools.js'
import { buildImage, sha256, smallImage, writeOciImage, writeOciIndex } from '../../helpers/fixtures.js'
import { copyThrough, listTree } from '../dir/interface-copy.js'

async function copyRef(from: string, to: string, opts = {}): Promise<void> {
  const src = await parseImageName(from).newImageSource()
  const dest = await parseImageName(to).newImageDestination(opts)
  try {
    await copyThrough(src, dest)
  } finally {
    await dest.close()
    await src.close()
  }
}

test('oci destination: umoci accepts the layout, skopeo reads and copies it with identical digests', async () => {
  requireTool('umoci')
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    const img = await writeOciImage(fixture, 'src', smallImage())
    const out = join(tmp, 'out')
    await copyRef(`oci:${fixture}:src`, `oci:${out}:v1`)
    assert.deepEqual(JSON.parse(await readFile(join(out, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' })
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8'))
    assert.equal(index.schemaVersion, 2)
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json')
    assert.deepEqual(index.manifests, [
      {
        mediaType: img.mediaType,
        digest: img.manifestDigest,
        size: img.manifest.length,
        annotations: { 'org.opencontainers.image.ref.name': 'v1' },
      },
    ])
    const stat = await run('umoci', ['stat', '--image', `${out}:v1`])
    assert.equal(stat.code, 0, stat.stderr)
    const raw = await skopeo(['inspect', '--raw', `oci:${out}:v1`])
    assert.equal(raw.code, 0, raw.stderr)
    assert.equal(sha256(raw.stdout), img.manifestDigest)
    const c = await skopeo(['copy', `oci:${out}:v1`, `dir:${join(tmp, 'dir')}`])
    assert.equal(c.code, 0, c.stderr)
    assert.equal(sha256(await readFile(join(tmp, 'dir', 'manifest.json'))), img.manifestDigest)
    // no lock, temp or staging files left behind
    assert.ok((await listTree(out)).every((p) => !p.split('/').pop()!.startsWith('.')))
  })
})

test('oci destination stores an index with its instances; skopeo copies it with --all', async () => {
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    const built = await writeOciIndex(fixture, 'm', [smallImage('a'), smallImage('b', { architecture: 'arm64' })])
    const out = join(tmp, 'out')
    await copyRef(`oci:${fixture}:m`, `oci:${out}:multi`)
    const c = await skopeo(['copy', '--all', `oci:${out}:multi`, `oci:${join(tmp, 'back')}:t`])
    assert.equal(c.code, 0, c.stderr)
    const idx = JSON.parse(await readFile(join(tmp, 'back', 'index.json'), 'utf8'))
    assert.equal(idx.manifests[0].digest, built.indexDigest)
  })
})

test('oci destination updates index.json as skopeo does (same tag twice, no tag, several tags)', async () => {
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    await writeOciImage(fixture, 'one', smallImage('one'))
    await writeOciImage(fixture, 'two', smallImage('two'))
    const steps: [string, string][] = [
      ['one', 't'],
      ['two', 't'],
      ['one', 'u'],
      ['two', ''],
      ['two', 'u'],
      ['one', 't'],
    ]
    for (const [from, tag] of steps) {
      const r = await skopeo(['copy', `oci:${fixture}:${from}`, `oci:${join(tmp, 'theirs')}${tag ? `:${tag}` : ''}`])
      assert.equal(r.code, 0, r.stderr)
      await copyRef(`oci:${fixture}:${from}`, `oci:${join(tmp, 'ours')}${tag ? `:${tag}` : ''}`)
    }
    const theirs = JSON.parse(await readFile(join(tmp, 'theirs', 'index.json'), 'utf8'))
    const ours = JSON.parse(await readFile(join(tmp, 'ours', 'index.json'), 'utf8'))
    assert.deepEqual(ours.manifests, theirs.manifests)
    assert.deepEqual(
      (await listTree(join(tmp, 'ours'))).filter((p) => !p.startsWith('.')),
      await listTree(join(tmp, 'theirs')),
    )
  })
})

test('oci destination: close() without commit leaves nothing when it created the layout', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'new', 'layout')
    const d = await parseImageName(`oci:${out}:t`).newImageDestination()
    await d.putBlob(Readable.from([Buffer.from('blob')]), { digest: sha256('blob'), size: 4 })
    await d.close()
    assert.deepEqual(await readdir(tmp), [])
  })
})

test('oci destination: close() without commit leaves an existing layout as it was (no temp files, same index)', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'layout')
    await writeOciImage(out, 'keep', smallImage())
    const before = await readFile(join(out, 'index.json'))
    const d = await parseImageName(`oci:${out}:t`).newImageDestination()
    const img = await buildImage(smallImage('other'))
    await d.putBlob(Readable.from([img.config]), { digest: img.configDigest, size: img.config.length })
    await d.putManifest(img.manifest, img.mediaType)
    await d.close()
    assert.deepEqual(await readFile(join(out, 'index.json')), before)
    assert.ok((await listTree(out)).every((p) => !p.split('/').pop()!.startsWith('.')))
  })
})

test('oci destination: a stream that fails halfway leaves no partial blob', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'layout')
    const d = await parseImageName(`oci:${out}:t`).newImageDestination()
    try {
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(64 * 1024, 2))
          setImmediate(() => this.destroy(new Error('disk on fire')))
        },
      })
      await assert.rejects(d.putBlob(failing, { digest: sha256('x'), size: -1 }), /disk on fire/)
      assert.deepEqual(await readdir(join(out, 'blobs', 'sha256')), [])
    } finally {
      await d.close()
    }
  })
})

test('oci destination: properties, rejected manifest types, signatures, @N', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'layout')
    await assert.rejects(parseImageName(`oci:${out}:@0`).newImageDestination(), { code: 'ERR_INVALID_REFERENCE' })
    const d = await parseImageName(`oci:${out}:t`).newImageDestination()
    try {
      assert.deepEqual(d.properties.supportedManifestMediaTypes, [
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
      ])
      assert.equal(d.properties.supportsSignatures, false)
      assert.equal(d.properties.desiredLayerCompression, 'compress')
      const docker = await buildImage(smallImage('d', { flavor: 'docker' }))
      await assert.rejects(d.putManifest(docker.manifest, docker.mediaType), { code: 'ERR_MANIFEST_TYPE_REJECTED' })
      await d.putSignatures([])
      await assert.rejects(d.putSignatures([simpleSigning(Buffer.from('\xa3sig', 'latin1'))]), {
        code: 'ERR_UNSUPPORTED',
      })
      await assert.rejects(d.commit(), /before the manifest/)
    } finally {
      await d.close()
    }
    const keep = await parseImageName(`oci:${out}:t`).newImageDestination({ ociAcceptUncompressedLayers: true })
    assert.equal(keep.properties.desiredLayerCompression, 'preserve')
    await keep.close()
  })
})

test('oci destination writes blobs to a shared blob directory (--dest-shared-blob-dir)', async () => {
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    const img = await writeOciImage(fixture, 't', smallImage())
    const shared = join(tmp, 'shared')
    const out = join(tmp, 'out')
    await copyRef(`oci:${fixture}:t`, `oci:${out}:t`, { sharedBlobDir: shared })
    assert.ok((await readdir(join(shared, 'sha256'))).includes(img.configDigest.slice(7)))
    const raw = await skopeo(['inspect', '--raw', '--shared-blob-dir', shared, `oci:${out}:t`])
    assert.equal(raw.code, 0, raw.stderr)
    assert.equal(sha256(raw.stdout), img.manifestDigest)
  })
})
