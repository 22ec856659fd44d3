import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { parseImageName } from '../../../src/transports/registry.js'
import { run, skopeo, withTempDir } from '../../helpers/tools.js'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { copyThrough } from '../dir/interface-copy.js'

test('oci-archive destination writes an archive skopeo reads and copies with identical digests', async () => {
  await withTempDir(async (tmp) => {
    const fixture = join(tmp, 'fixture')
    const img = await writeOciImage(fixture, 't', smallImage())
    const archive = join(tmp, 'out.tar')
    const work = join(tmp, 'work')
    await mkdir(work)
    const src = await parseImageName(`oci:${fixture}:t`).newImageSource()
    const dest = await parseImageName(`oci-archive:${archive}:v1`).newImageDestination({ tmpdir: work })
    try {
      await copyThrough(src, dest)
    } finally {
      await dest.close()
      await src.close()
    }
    assert.deepEqual(await readdir(work), [])
    assert.deepEqual((await readdir(tmp)).sort(), ['fixture', 'out.tar', 'work'])
    const listing = (await run('tar', ['tf', archive])).stdout.split('\n').filter(Boolean)
    assert.ok(listing.includes('index.json') && listing.includes('oci-layout'), listing.join(' '))
    assert.ok(listing.includes(`blobs/sha256/${img.manifestDigest.slice(7)}`))
    const raw = await skopeo(['inspect', '--raw', `oci-archive:${archive}:v1`])
    assert.equal(raw.code, 0, raw.stderr)
    assert.equal(sha256(raw.stdout), img.manifestDigest)
    const c = await skopeo(['copy', `oci-archive:${archive}:v1`, `dir:${join(tmp, 'dir')}`])
    assert.equal(c.code, 0, c.stderr)
    assert.equal(sha256(await readFile(join(tmp, 'dir', 'manifest.json'))), img.manifestDigest)
  })
})

test('oci-archive destination: close() without commit leaves no archive and no temp files', async () => {
  await withTempDir(async (tmp) => {
    const work = join(tmp, 'work')
    await mkdir(work)
    const dest = await parseImageName(`oci-archive:${join(tmp, 'out.tar')}:t`).newImageDestination({ tmpdir: work })
    await dest.putBlob(Readable.from([Buffer.from('blob')]), { digest: sha256('blob'), size: 4 })
    await dest.close()
    assert.deepEqual((await readdir(tmp)).sort(), ['work'])
    assert.deepEqual(await readdir(work), [])
  })
})
