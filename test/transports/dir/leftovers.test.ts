/**
 * What a killed run leaves beside a dir: destination: the next run removes stale staging folders,
 * keeps a live process's, and puts back an old image that a killed swap had moved aside.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ownerTag, processStartTime } from '../../../src/util/temp-owner.js'
import { smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { withTempDir } from '../../helpers/tools.js'
import { skiff } from '../../cli/run-skiff.js'

async function deadTag(): Promise<string> {
  const child = spawn(process.execPath, ['-e', '0'])
  await once(child, 'exit')
  return `skiff${child.pid}-${processStartTime(process.pid)}-${ownerTag().split('-').pop()}`
}

// `spawn: true`: skiff in a process of its own, so this test process is the live *other* owner
test('dir: a later run removes stale staging folders of dead owners and keeps a live one', async () => {
  await withTempDir(async (d) => {
    await writeOciImage(join(d, 'src'), 'v1', smallImage())
    const out = join(d, 'out')
    await mkdir(out)
    const dead = await deadTag()
    const stale = join(out, `.image.${dead}.0123456789ab.tmp`)
    await mkdir(stale)
    await writeFile(join(stale, 'big-partial-blob'), 'x'.repeat(1000))
    const live = join(out, `.image.${ownerTag()}.0123456789ab.tmp`) // this test process is alive
    await mkdir(live)
    const r = await skiff(['--insecure-policy', 'copy', '-q', `oci:${d}/src:v1`, `dir:${out}/image`], { spawn: true })
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual((await readdir(out)).sort(), [`.image.${ownerTag()}.0123456789ab.tmp`, 'image'].sort())
    await rm(live, { recursive: true })
  })
})

test('dir: an old image moved aside by a killed swap is put back when the next run fails', async () => {
  await withTempDir(async (d) => {
    await writeOciImage(join(d, 'src'), 'v1', smallImage())
    const out = join(d, 'out')
    await mkdir(out) // a dir: destination's parent must exist (as skopeo)
    const r0 = await skiff(['--insecure-policy', 'copy', '-q', `oci:${d}/src:v1`, `dir:${out}/image`], { spawn: true })
    assert.equal(r0.code, 0, r0.stderr)
    const manifest = await readFile(join(out, 'image', 'manifest.json'))
    // the state a kill between swapIn's two renames leaves: no target, the old image aside
    const aside = join(out, `.image.${await deadTag()}.0123456789ab.old`)
    await cp(join(out, 'image'), aside, { recursive: true })
    await rm(join(out, 'image'), { recursive: true })
    // a run that fails after opening the destination (a layer is missing) must not lose the old image
    const broken = await writeOciImage(join(d, 'broken'), 'v1', smallImage('other'))
    await rm(join(d, 'broken', 'blobs', 'sha256', broken.layers[0]!.digest.slice(7)))
    const r = await skiff(['--insecure-policy', 'copy', '-q', `oci:${d}/broken:v1`, `dir:${out}/image`], {
      spawn: true,
    })
    assert.notEqual(r.code, 0)
    assert.deepEqual(await readFile(join(out, 'image', 'manifest.json')), manifest)
    assert.deepEqual(await readdir(out), ['image'])
  })
})
