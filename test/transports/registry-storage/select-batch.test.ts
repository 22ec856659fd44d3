/**
 * select at file-system speed (`sync --src registry-storage --dest registry-storage`, the batch of
 * sync/sources/registry-storage-batch.ts): the output tree is the one the seed's own bash select
 * script makes (file for file, byte for byte), every `data` file — manifests included — is a
 * hardlink of the pool's, a multi-platform list (with --all) keeps its digest, docker-registry
 * serves it all and garbage-collect removes nothing; a re-run finds everything present.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { REGISTRY_BINARY, startRegistry } from '../../helpers/registry/index.js'
import { run, skopeo } from '../../helpers/tools.js'
import { sha256, smallImage, writeOciIndex } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { writeSeedStore, type SeedStore } from '../../helpers/store-fixtures.js'
import { SEED_IMAGES } from '../../helpers/seed-images.js'
import { skiff } from '../../cli/run-skiff.js'
import { dataFiles, tree, writeGcConfig } from './helpers.js'
import { resolveStoredImage } from '../../../src/transports/registry-storage/stored-image.js'

/** The seed's select script, verbatim (test/helpers/seed-select.sh). */
const SEED_SELECT = fileURLToPath(new URL('../../helpers/seed-select.sh', import.meta.url))

let work: string
let pool: string
let seed: SeedStore
let listDir: string

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-test-select-batch-'))
  pool = join(work, 'pool')
  seed = await writeSeedStore(pool, { names: SEED_IMAGES.filter((_, i) => i % 12 === 0) })
  // two more pool images the list leaves out
  await writeSeedStore(pool, { names: ['left/out:1', 'left/out:2'] })
  listDir = join(work, 'lists')
  await run('mkdir', ['-p', listDir])
  writeFileSync(join(listDir, 'release.list'), `# the seed's format\n${seed.images.join('\n')}\n`)
})
after(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

const select = (out: string, extra: string[] = []): ReturnType<typeof skiff> =>
  skiff([
    'sync',
    '--src',
    'registry-storage',
    '--dest',
    'registry-storage',
    ...extra,
    '--images-from',
    listDir,
    pool,
    out,
  ])

test("select makes the seed script's tree, file for file; every data file is a hardlink of the pool's; a re-run finds all present", async () => {
  const ours = join(work, 'ours')
  const r = await select(ours)
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, new RegExp(`${seed.images.length} copied, 0 skipped, 0 failed; 0 B copied`))
  const theirs = join(work, 'theirs')
  const s = await run('bash', [SEED_SELECT, listDir, pool, theirs])
  assert.equal(s.code, 0, s.stderr)
  const files = await tree(theirs)
  assert.deepEqual(await tree(ours), files, 'the same folders and files')
  for (const f of files) {
    if (statSync(join(theirs, f)).isFile())
      assert.ok(readFileSync(join(ours, f)).equals(readFileSync(join(theirs, f))), `${f}: the same bytes`)
  }
  const src = await dataFiles(pool)
  const out = await dataFiles(ours)
  assert.equal(out.size, 1 + 3 * seed.images.length, 'the base layer once, a layer, config and manifest per image')
  for (const [d, f] of out) assert.equal(f.ino, src.get(d)!.ino, `${d} is a hardlink`)
  const again = await select(ours)
  assert.equal(again.code, 0, again.stderr)
  assert.match(again.stderr, new RegExp(`0 copied, ${seed.images.length} skipped`))
})

test('select with --all keeps a multi-platform list whole; docker-registry serves every digest; skopeo pulls; garbage-collect removes nothing', async () => {
  const idx = await writeOciIndex(join(work, 'oci'), 'multi', [
    { ...smallImage('m-amd64'), architecture: 'amd64' },
    { ...smallImage('m-arm64'), architecture: 'arm64', variant: 'v8' },
  ])
  await copy(`oci:${join(work, 'oci')}:multi`, `registry-storage:${pool}:kubesphere/multi:v1`, { multiArch: 'all' })
  writeFileSync(join(listDir, 'multi.list'), 'kubesphere/multi:v1\n')
  const out = join(work, 'all')
  const r = await select(out, ['--all'])
  assert.equal(r.code, 0, r.stderr)
  const src = await dataFiles(pool)
  for (const [d, f] of await dataFiles(out)) assert.equal(f.ino, src.get(d)!.ino, `${d} is a hardlink`)
  const reg = await startRegistry({ rootDir: out })
  try {
    const want = new Map([...seed.digests, ['kubesphere/multi:v1', idx.indexDigest]])
    for (const [image, digest] of want) {
      const i = image.lastIndexOf(':')
      const res = await fetch(`${reg.url}/v2/${image.slice(0, i)}/manifests/${image.slice(i + 1)}`, {
        headers: {
          accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json',
        },
      })
      assert.equal(res.status, 200, image)
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), digest, image)
    }
    const p = await skopeo([
      'copy',
      '--all',
      '--src-tls-verify=false',
      `docker://${reg.host}/kubesphere/multi:v1`,
      `oci:${join(work, 'pulled')}:m`,
    ])
    assert.equal(p.code, 0, p.stderr)
    const left = await fetch(`${reg.url}/v2/left/out/manifests/1`)
    assert.equal(left.status, 404, 'an image the lists do not name is not selected')
    const before = await tree(out)
    await writeGcConfig(join(work, 'gc.yml'), out)
    const gc = await run(REGISTRY_BINARY, ['garbage-collect', join(work, 'gc.yml')])
    assert.equal(gc.code, 0, gc.stderr)
    assert.deepEqual(await tree(out), before, 'garbage-collect removed nothing')
  } finally {
    await reg.close()
  }
  // without --all the list goes through the engine as before (skopeo: the host's instance only)
  const one = join(work, 'one')
  const r1 = await select(one)
  assert.equal(r1.code, 0, r1.stderr)
  const current = await readFile(
    join(one, 'docker/registry/v2/repositories/kubesphere/multi/_manifests/tags/v1/current/link'),
    'utf8',
  )
  assert.equal(current, idx.images[0]!.manifestDigest, 'the amd64 instance')
})

test('select: an image whose folders cannot be made fails alone (--keep-going); the others are whole and tagged, the failed one untagged; once the obstacle is gone a re-run adds it', async () => {
  const out = join(work, 'blocked')
  const [blocked, ...others] = seed.images
  const name = blocked!.slice(0, blocked!.lastIndexOf(':'))
  // a file where the repository's folder should be: every mkdir below it fails (ENOTDIR)
  const repo = join(out, 'docker/registry/v2/repositories', name)
  mkdirSync(dirname(repo), { recursive: true })
  writeFileSync(repo, 'not a folder')
  const r = await select(out, ['--keep-going'])
  assert.equal(r.code, 1, r.stderr)
  assert.match(r.stderr, /\d+ copied, 0 skipped, 1 failed/)
  assert.match(
    r.stderr,
    /failed {2}alpine:3\.14: writing registry-storage:.*:alpine:3\.14: ENOTDIR: not a directory, mkdir '.*'; the output must be a registry storage folder this user may write\n/,
  )
  assert.equal(blocked, 'alpine:3.14')
  for (const image of others) {
    const i = image.lastIndexOf(':')
    const img = resolveStoredImage(out, image.slice(0, i), { tag: image.slice(i + 1) }, image)
    assert.equal(img.top, seed.digests.get(image), image)
  }
  rmSync(repo)
  const again = await select(out)
  assert.equal(again.code, 0, again.stderr)
  assert.match(again.stderr, /1 copied, \d+ skipped, 0 failed/)
  const i = blocked!.lastIndexOf(':')
  assert.equal(resolveStoredImage(out, name, { tag: blocked!.slice(i + 1) }, blocked!).top, seed.digests.get(blocked!))
})
