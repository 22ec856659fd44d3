/**
 * Bad input through the whole engine: each case fails with a clear message and a code, and the
 * destination is not created (or is left unchanged).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { withTempDir, skopeo } from '../helpers/tools.js'
import { writeOciImage, smallImage, sha256 } from '../helpers/fixtures.js'
import { copy, readJson, blobPath } from '../helpers/skiff.js'

async function noTempFiles(dir: string): Promise<void> {
  const all = await readdir(dir, { recursive: true })
  assert.deepEqual(
    all.filter((n) => String(n).endsWith('.tmp')),
    [],
  )
}

test('malformed image names and references fail before anything is touched', async () => {
  await withTempDir(async (t) => {
    const cases: Array<[string, RegExp]> = [
      ['nonsense', /TRANSPORT:DETAILS/],
      ['foo:bar', /unknown transport "foo"/],
      [`docker-archive:${t}/a.tar:Upper/Case`, /lowercase/],
      [`docker-archive:${t}/a.tar:app@sha256:${'a'.repeat(64)}`, /digest/],
      [`oci:${t}/l:bad ref!`, /ref|reference/i],
    ]
    for (const [dest, re] of cases) {
      await assert.rejects(
        copy('oci:examples/hello:latest', dest),
        (e: any) => re.test(e.message) && typeof e.code === 'string',
        dest,
      )
    }
    assert.deepEqual(await readdir(t), [])
  })
})

test('a manifest that is not JSON, or has a wrong media type, fails clearly; nothing written', async () => {
  await withTempDir(async (t) => {
    await mkdir(join(t, 'src'))
    await writeFile(join(t, 'src', 'manifest.json'), 'this is not json')
    await writeFile(join(t, 'src', 'version'), 'Directory Transport Version: 1.1\n')
    await assert.rejects(
      copy(`dir:${t}/src`, `oci:${t}/out:x`),
      (e: any) => e.code === 'ERR_MANIFEST_INVALID' && /not JSON/.test(e.message) && e.message.includes(`${t}/src`),
    )
    await writeFile(
      join(t, 'src', 'manifest.json'),
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example.weird+json', config: {}, layers: [] }),
    )
    await assert.rejects(copy(`dir:${t}/src`, `oci:${t}/out:x`), /unsupported manifest media type/)
    assert.ok(!existsSync(join(t, 'out', 'index.json')))
    await noTempFiles(t)
  })
})

test('a layer whose gzip data is corrupt (but matches its digest) fails when it must be decompressed', async () => {
  await withTempDir(async (t) => {
    // Build an image whose second layer is a truncated gzip stream, referenced with its true digest.
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('cz'))
    const good = gzipSync(Buffer.alloc(100_000, 'x'))
    const corrupt = Buffer.concat([good.subarray(0, 20), Buffer.alloc(50, 0xee)])
    const manifest = JSON.parse(img.manifest.toString())
    manifest.layers[1] = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha256(corrupt),
      size: corrupt.length,
    }
    const mbytes = Buffer.from(JSON.stringify(manifest))
    await writeFile(blobPath(`${t}/src`, sha256(corrupt)), corrupt)
    await writeFile(blobPath(`${t}/src`, sha256(mbytes)), mbytes)
    const index = await readJson(join(t, 'src', 'index.json'))
    index.manifests[0] = { ...index.manifests[0], digest: sha256(mbytes), size: mbytes.length }
    await writeFile(join(t, 'src', 'index.json'), JSON.stringify(index))
    await assert.rejects(
      copy(`oci:${t}/src:v1`, `docker-archive:${t}/a.tar:x:y`),
      (e: any) => e.code === 'ERR_COMPRESSION' && /compressed data|gzip|decompress/i.test(e.message),
    )
    assert.ok(!existsSync(join(t, 'a.tar')))
    await noTempFiles(t)
  })
})

test('an existing dir: destination is left unchanged when a copy into it fails', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('keep'))
    await copy(`oci:${t}/src:v1`, `dir:${t}/out`)
    const before = await readFile(join(t, 'out', 'manifest.json'))
    // tamper with a layer; decompressing means it cannot be reused from the old copy
    const p = blobPath(`${t}/src`, img.layers[0]!.digest)
    await writeFile(p, gzipSync(Buffer.from('tampered')))
    await assert.rejects(
      copy(`oci:${t}/src:v1`, `dir:${t}/out`, { compression: { mode: 'decompress' } }),
      /digest|size/,
    )
    assert.deepEqual(await readFile(join(t, 'out', 'manifest.json')), before)
    await noTempFiles(t)
  })
})

test('a non-empty folder that is not a dir: image is refused, its files untouched', async () => {
  await withTempDir(async (t) => {
    await mkdir(join(t, 'precious'))
    await writeFile(join(t, 'precious', 'notes.txt'), 'keep me')
    await assert.rejects(
      copy('oci:examples/hello:latest', `dir:${t}/precious`),
      (e: any) => typeof e.code === 'string' && e.message.includes('precious'),
    )
    assert.equal(await readFile(join(t, 'precious', 'notes.txt'), 'utf8'), 'keep me')
  })
})

test('signatures in dir: are copied as they are; --remove-signatures drops them', async () => {
  await withTempDir(async (t) => {
    const r = await skopeo(['copy', 'oci:examples/hello:latest', `dir:${t}/signed`])
    assert.equal(r.code, 0, r.stderr)
    // opaque bytes that read as simple signing (an OpenPGP packet's first byte): copied as they are
    const sig = Buffer.from('\xa3not-a-real-signature-but-opaque-bytes', 'latin1')
    await writeFile(join(t, 'signed', 'signature-1'), sig)
    await copy(`dir:${t}/signed`, `dir:${t}/copy`)
    assert.deepEqual(await readFile(join(t, 'copy', 'signature-1')), sig)
    await copy(`dir:${t}/signed`, `dir:${t}/nosig`, { removeSignatures: true })
    assert.ok(!existsSync(join(t, 'nosig', 'signature-1')))
    // a destination that cannot store signatures refuses unless told to drop them
    await assert.rejects(copy(`dir:${t}/signed`, `oci:${t}/o:v1`), /use `removeSignatures: true`/)
    await copy(`dir:${t}/signed`, `oci:${t}/o:v1`, { removeSignatures: true })
  })
})

test('docker-archive → dir stores the uncompressed layers with an honest media type', async () => {
  await withTempDir(async (t) => {
    const img = await writeOciImage(join(t, 'src'), 'v1', smallImage('honest'))
    const r = await skopeo(['copy', `oci:${t}/src:v1`, `docker-archive:${t}/a.tar:x:y`])
    assert.equal(r.code, 0, r.stderr)
    const res = await copy(`docker-archive:${t}/a.tar`, `dir:${t}/d`)
    const m = JSON.parse(res.manifest.toString())
    assert.deepEqual(
      m.layers.map((l: any) => l.digest),
      img.layers.map((l) => l.diffID),
    )
    assert.ok(m.layers.every((l: any) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar'))
    const back = await skopeo(['copy', `dir:${t}/d`, `oci:${t}/o:v1`])
    assert.equal(back.code, 0, back.stderr)
  })
})
