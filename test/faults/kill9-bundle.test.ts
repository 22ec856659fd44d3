/**
 * kill -9 while a release bundle is written (`sync --dest registry-storage-archive`) and while a
 * store is selected (`sync --dest registry-storage`), at the steps test/faults/helpers.ts's
 * killPlan picks from a traced run: the bundle is absent under its final name or complete (it
 * verifies), a selected tag is absent or its image whole; the re-run succeeds and leaves no temp file.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeSeedStore, type SeedStore } from '../helpers/store-fixtures.js'
import { SEED_IMAGES } from '../helpers/seed-images.js'
import { killPlan, runSkiff, tempEntries, type Step } from './helpers.js'
import { verifyBundle } from '../../src/transports/registry-storage-archive/verify.js'
import { resolveStoredImage } from '../../src/transports/registry-storage/stored-image.js'
import { tagCurrentLinkPath, repositoryPath } from '../../src/transports/registry-storage/layout.js'

let work: string
let pool: string
let seed: SeedStore
let list: string

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-test-kill9-bundle-'))
  pool = join(work, 'pool')
  seed = await writeSeedStore(pool, {
    names: SEED_IMAGES.filter((_, i) => i % 24 === 0),
    base: [{ files: { 'base.bin': Buffer.alloc(256 * 1024, 7) }, compression: 'none' }],
  })
  list = join(work, 'release.list')
  writeFileSync(list, seed.images.join('\n'))
})
after(async () => {
  await rm(work, { recursive: true, force: true })
})

const args = (dest: 'registry-storage' | 'registry-storage-archive', out: string): string[] => [
  'sync',
  '--progress',
  'none',
  '--src',
  'registry-storage',
  '--dest',
  dest,
  '--images-from',
  list,
  pool,
  out,
]

async function traced(a: string[]): Promise<{ steps: Step[]; exitMs: number }> {
  const trace = join(work, 'trace.json')
  const r = await runSkiff(a, { env: { SKIFF_KILL_TRACE: trace } })
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(await readFile(trace, 'utf8'))
}

test('kill -9 while a bundle is written: nothing under the final name until it is complete; the re-run sweeps the temp bundle', async () => {
  const dir = join(work, 'bundle-out')
  await mkdir(dir)
  const out = join(dir, 'release.tar')
  const plan = killPlan(await traced(args('registry-storage-archive', join(dir, 'measured.tar'))), undefined, 6)
  await rm(join(dir, 'measured.tar'))
  let killed = 0
  let leftTemp = false
  for (const at of plan) {
    const r = await runSkiff(args('registry-storage-archive', out), { env: { SKIFF_KILL_AT: at } })
    if (r.signal === 'SIGKILL') killed++
    else assert.equal(r.code, 0, r.stderr)
    // (each run removes the temp bundle the run before it left)
    if (r.signal === 'SIGKILL' && !existsSync(out)) leftTemp ||= (await tempEntries(dir)).length > 0
    if (existsSync(out)) {
      // only the rename at the very end makes it visible: then it is whole
      assert.equal((await verifyBundle(out)).images, seed.images.length, `SKIFF_KILL_AT=${at}`)
      await rm(out)
    }
  }
  assert.ok(killed >= plan.length - 2, `most runs were killed (${killed} of ${plan.length})`)
  assert.ok(leftTemp, 'a killed run left its temp bundle (beside the final name, not under it)')
  const r = await runSkiff(args('registry-storage-archive', out))
  assert.equal(r.code, 0, r.stderr)
  assert.equal((await verifyBundle(out)).images, seed.images.length)
  assert.deepEqual(await tempEntries(dir), [], 'no temp bundle left')
})

test('kill -9 during select: a tag is absent or names a whole image (tags last); the re-run completes every image', async () => {
  const out = join(work, 'select-out')
  const plan = killPlan(await traced(args('registry-storage', join(work, 'select-measured'))), undefined, 6)
  const check = (at: string): number => {
    let tagged = 0
    for (const image of seed.images) {
      const i = image.lastIndexOf(':')
      const [name, tag] = [image.slice(0, i), image.slice(i + 1)]
      if (!existsSync(tagCurrentLinkPath(repositoryPath(out, name), tag))) continue
      // throws when a blob, link or manifest the tag needs is missing
      const img = resolveStoredImage(out, name, { tag }, `${image} after SKIFF_KILL_AT=${at}`)
      assert.equal(img.top, seed.digests.get(image))
      tagged++
    }
    return tagged
  }
  let partial = false
  for (const at of plan) {
    const r = await runSkiff(args('registry-storage', out), { env: { SKIFF_KILL_AT: at } })
    if (r.signal !== 'SIGKILL') assert.equal(r.code, 0, r.stderr)
    const n = check(at)
    if (r.signal === 'SIGKILL' && n < seed.images.length) partial = true
  }
  assert.ok(partial, 'some kill left images untagged')
  const r = await runSkiff(args('registry-storage', out))
  assert.equal(r.code, 0, r.stderr)
  assert.equal(check('the end'), seed.images.length)
  assert.deepEqual(await tempEntries(out), [], 'no temp file left in the store')
})
