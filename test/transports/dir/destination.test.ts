import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { parseImageName } from '../../../src/transports/registry.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { sha256, smallImage, writeOciImage, writeOciIndex } from '../../helpers/fixtures.js'
import { copyThrough, listTree } from './interface-copy.js'
import { simpleSigning } from '../../../src/signature/types.js'

// opaque bytes that read as simple signing (an OpenPGP compressed-data packet's first byte)
const s1 = Buffer.from('\xa3s1', 'latin1')
const s2 = Buffer.from('\xa3s2', 'latin1')

async function copyFixtureTo(tmp: string, dest: string, name = 'one'): Promise<string> {
  const layout = join(tmp, `layout-${name}`)
  const img = await writeOciImage(layout, 'tag', smallImage(name))
  const src = await parseImageName(`oci:${layout}:tag`).newImageSource()
  const d = await parseImageName(`dir:${dest}`).newImageDestination()
  try {
    await copyThrough(src, d)
  } finally {
    await d.close()
    await src.close()
  }
  return img.manifestDigest
}

test('dir destination writes what skopeo reads, with identical digests', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out')
    const digest = await copyFixtureTo(tmp, out)
    assert.equal(await readFile(join(out, 'version'), 'utf8'), 'Directory Transport Version: 1.1\n')
    const raw = await skopeo(['inspect', '--raw', `dir:${out}`])
    assert.equal(raw.code, 0, raw.stderr)
    assert.equal(sha256(raw.stdout), digest)
    const insp = await skopeo(['inspect', `dir:${out}`])
    assert.equal(insp.code, 0, insp.stderr)
    assert.equal(JSON.parse(insp.stdout).Digest, digest)
    // skopeo can copy out of it, keeping the digest
    const back = join(tmp, 'back')
    const c = await skopeo(['copy', `dir:${out}`, `oci:${back}:t`])
    assert.equal(c.code, 0, c.stderr)
    const idx = JSON.parse(await readFile(join(back, 'index.json'), 'utf8'))
    assert.equal(idx.manifests[0].digest, digest)
    // nothing but the layout is left beside it
    assert.deepEqual((await readdir(tmp)).sort(), ['back', 'layout-one', 'out'])
  })
})

test('dir destination stores a list with its instances; skopeo copies it back with --all', async () => {
  await withTempDir(async (tmp) => {
    const layout = join(tmp, 'layout')
    const built = await writeOciIndex(layout, 'multi', [smallImage('a'), smallImage('b', { architecture: 'arm64' })])
    const out = join(tmp, 'out')
    const src = await parseImageName(`oci:${layout}:multi`).newImageSource()
    const d = await parseImageName(`dir:${out}`).newImageDestination()
    try {
      await copyThrough(src, d)
    } finally {
      await d.close()
      await src.close()
    }
    for (const img of built.images) {
      assert.deepEqual(await readFile(join(out, `${img.manifestDigest.slice(7)}.manifest.json`)), img.manifest)
    }
    const c = await skopeo(['copy', '--all', `dir:${out}`, `oci:${join(tmp, 'back')}:t`])
    assert.equal(c.code, 0, c.stderr)
    const idx = JSON.parse(await readFile(join(tmp, 'back', 'index.json'), 'utf8'))
    assert.equal(idx.manifests[0].digest, built.indexDigest)
  })
})

test('dir destination: close() without commit leaves no target and no temp files', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'sub', 'out')
    const d = await parseImageName(`dir:${out}`).newImageDestination()
    await d.putBlob(Readable.from([Buffer.from('some blob')]), { digest: sha256('some blob'), size: 9 })
    await d.putManifest(Buffer.from('{}'), '')
    await d.close()
    assert.deepEqual(await readdir(tmp), [])
  })
})

test('dir destination: a stream that fails halfway leaves no partial file', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out')
    const d = await parseImageName(`dir:${out}`).newImageDestination()
    try {
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(64 * 1024, 1))
          setImmediate(() => this.destroy(new Error('network went away')))
        },
      })
      await assert.rejects(d.putBlob(failing, { digest: sha256('x'), size: -1 }), /network went away/)
      const staging = (await readdir(tmp)).filter((n) => n.startsWith('.out.'))
      assert.equal(staging.length, 1)
      assert.deepEqual(await readdir(join(tmp, staging[0]!)), [])
    } finally {
      await d.close()
    }
    assert.deepEqual(await readdir(tmp), [])
  })
})

test('dir destination refuses a non-empty directory that is not a dir layout, and leaves it alone', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'precious')
    await mkdir(out)
    await writeFile(join(out, 'thesis.txt'), 'years of work')
    await assert.rejects(parseImageName(`dir:${out}`).newImageDestination(), (e: any) => {
      assert.equal(e.code, 'ERR_INVALID_ARGUMENT')
      assert.match(e.message, /not.*dir: image|refusing/)
      return true
    })
    assert.deepEqual(await listTree(out), ['thesis.txt'])
    assert.deepEqual((await readdir(tmp)).sort(), ['precious'])
    // a file in the way is refused too
    await writeFile(join(tmp, 'file'), 'x')
    await assert.rejects(parseImageName(`dir:${join(tmp, 'file')}`).newImageDestination(), {
      code: 'ERR_INVALID_ARGUMENT',
    })
  })
})

test('dir destination writes into an empty directory, and replaces an existing dir layout reusing its blobs', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out')
    await mkdir(out)
    await copyFixtureTo(tmp, out, 'first')
    const first = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))
    const oldLayer = join(out, first.layers[1].digest.slice(7))
    const oldIno = (await stat(oldLayer)).ino
    // The second image shares nothing but may share layers by content: build one that shares the 2nd layer.
    const layout = join(tmp, 'layout-second')
    await writeOciImage(layout, 'tag', {
      layers: [{ files: { 'other.txt': 'other\n' } }, { files: { 'etc/os-release': 'NAME=first\n' } }],
    })
    const src = await parseImageName(`oci:${layout}:tag`).newImageSource()
    const d = await parseImageName(`dir:${out}`).newImageDestination()
    let reused = 0
    try {
      const m = JSON.parse((await src.getManifest()).bytes.toString())
      for (const b of [m.config, ...m.layers]) {
        if (await d.tryReusingBlob({ digest: b.digest, size: b.size })) {
          reused++
          continue
        }
        await d.putBlob((await src.getBlob(b)).stream, b)
      }
      await d.putManifest((await src.getManifest()).bytes, '')
      // not visible before commit
      assert.deepEqual(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')), first)
      await d.commit()
    } finally {
      await d.close()
      await src.close()
    }
    assert.equal(reused, 1)
    const second = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))
    assert.equal(second.layers[1].digest, first.layers[1].digest)
    assert.equal((await stat(oldLayer)).ino, oldIno, 'the shared layer was hardlinked, not copied')
    // the old image's other blobs are gone with the old directory
    assert.ok(!(await listTree(out)).includes(first.layers[0].digest.slice(7)))
    const v = await skopeo(['inspect', '--raw', `dir:${out}`])
    assert.equal(v.code, 0, v.stderr)
    assert.deepEqual((await readdir(tmp)).sort(), ['layout-first', 'layout-second', 'out'])
  })
})

test('dir destination stores signatures as signature-N', async () => {
  await withTempDir(async (tmp) => {
    const out = join(tmp, 'out')
    const d = await parseImageName(`dir:${out}`).newImageDestination()
    try {
      assert.equal(d.properties.supportsSignatures, true)
      assert.equal(d.properties.supportedManifestMediaTypes, undefined)
      await d.putManifest(Buffer.from('{"schemaVersion":2}'), '')
      await d.putSignatures([simpleSigning(s1), simpleSigning(s2)])
      await d.commit()
    } finally {
      await d.close()
    }
    assert.deepEqual(await readFile(join(out, 'signature-1')), s1)
    assert.deepEqual(await readFile(join(out, 'signature-2')), s2)
    const src = await parseImageName(`dir:${out}`).newImageSource()
    assert.deepEqual(await src.getSignatures(), [simpleSigning(s1), simpleSigning(s2)])
    await src.close()
  })
})
