/**
 * Release bundles end to end, against a real docker-registry 2.8 and skopeo: a bundle written
 * from a store (`sync --dest registry-storage-archive`) unpacks with `tar -x` into a store the
 * registry serves with every digest of the source, skopeo pulls from it and garbage-collect removes
 * nothing; installing from the bundle (plain and zstd) into a fresh registry gives what a sync from
 * the original store gives, each blob uploaded once; truncated and tampered bundles are refused.
 * One pool, one registry serving the unpacked bundle and one install registry for the whole file.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, existsSync, readFileSync, statSync, truncateSync, watch, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRegistry, readAccessLog, REGISTRY_BINARY, type Registry } from '../../helpers/registry/index.js'
import { run, skopeo } from '../../helpers/tools.js'
import { smallImage, writeOciIndex, sha256 } from '../../helpers/fixtures.js'
import { writeSeedStore, type SeedStore } from '../../helpers/store-fixtures.js'
import { SEED_IMAGES } from '../../helpers/seed-images.js'
import { skiff } from '../../cli/run-skiff.js'
import { copy } from '../../helpers/skiff.js'
import { tree, writeGcConfig } from '../registry-storage/helpers.js'
import { verifyBundle } from '../../../src/transports/registry-storage-archive/verify.js'

let work: string
let pool: string
let seed: SeedStore
/** image → manifest digest in the pool (the seed's images plus one multi-platform list) */
const digests = new Map<string, string>()
let bundle: string
let served: Registry
let install: Registry
const LIST_IMAGE = 'kubesphere/multi:v1'
const TLS = ['--dest-tls-verify=false']
/** skiff's CLI with its own blob-location cache (mounts from earlier runs would hide uploads) */
/** `spawn`: a process of its own (what it keeps for the process, e.g. a decompressed bundle, goes with it). */
const sk = (args: string[], opts: { spawn?: boolean; env?: NodeJS.ProcessEnv } = {}): ReturnType<typeof skiff> =>
  skiff(args, { ...opts, env: { ...process.env, XDG_CACHE_HOME: join(work, 'cache'), ...opts.env } })

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-test-bundle-'))
  pool = join(work, 'pool')
  // eight of the seed's images (namespaced and official ones), all on one base layer
  seed = await writeSeedStore(pool, { names: SEED_IMAGES.filter((_, i) => i % 18 === 0) })
  for (const [k, v] of seed.digests) digests.set(k, v)
  const idx = await writeOciIndex(join(work, 'oci'), 'multi', [
    { ...smallImage('m-amd64'), architecture: 'amd64' },
    { ...smallImage('m-arm64'), architecture: 'arm64', variant: 'v8' },
  ])
  await copy(`oci:${join(work, 'oci')}:multi`, `registry-storage:${pool}:${LIST_IMAGE}`, { multiArch: 'all' })
  digests.set(LIST_IMAGE, idx.indexDigest)
  // a store image that is not in the list: must not reach the bundle
  await copy(`oci:${join(work, 'oci')}:multi`, `registry-storage:${pool}:unlisted:x`, { multiArch: 'all' })
  writeFileSync(join(work, 'release.list'), `# the release\n${[...digests.keys()].join('\n')}\n`)

  bundle = join(work, 'release.tar')
  const r = await sk([
    'sync',
    '--src',
    'registry-storage',
    '--dest',
    'registry-storage-archive',
    '--images-from',
    join(work, 'release.list'),
    pool,
    bundle,
  ])
  assert.equal(r.code, 0, r.stderr)
  const unpacked = join(work, 'unpacked')
  await mkdir(unpacked)
  const x = await run('tar', ['-x', '-f', bundle, '-C', unpacked])
  assert.equal(x.code, 0, x.stderr)
  served = await startRegistry({ rootDir: unpacked })
  install = await startRegistry()
})

after(async () => {
  await served?.close()
  await install?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ')

/** The sha256 of the manifest bytes the registry serves for `image` (a GET, no process started). */
async function servedDigest(reg: Registry, image: string): Promise<string> {
  const i = image.lastIndexOf(':')
  const res = await fetch(`${reg.url}/v2/${image.slice(0, i)}/manifests/${image.slice(i + 1)}`, {
    headers: { accept: ACCEPT },
  })
  assert.equal(res.status, 200, `GET ${image} from ${reg.host}`)
  return sha256(Buffer.from(await res.arrayBuffer()))
}

test('docker-registry serves the unpacked bundle: every listed image with the digest of the source; skopeo pulls; garbage-collect removes nothing', async () => {
  for (const [image, digest] of digests) assert.equal(await servedDigest(served, image), digest, image)
  const un = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${served.host}/unlisted:x`])
  assert.notEqual(un.code, 0, 'an image the list does not name is not in the bundle')
  // every blob of a single image and of every instance of the list
  for (const image of [seed.images[0]!, LIST_IMAGE]) {
    const r = await skopeo([
      'copy',
      '--all',
      '--src-tls-verify=false',
      `docker://${served.host}/${image}`,
      `oci:${join(work, 'pulled')}:${image.replace(/[/:]/g, '-')}`,
    ])
    assert.equal(r.code, 0, r.stderr)
  }
  const before = await tree(served.rootDir)
  await writeGcConfig(join(work, 'gc.yml'), served.rootDir)
  const gc = await run(REGISTRY_BINARY, ['garbage-collect', join(work, 'gc.yml')])
  assert.equal(gc.code, 0, gc.stderr)
  assert.deepEqual(await tree(served.rootDir), before, 'garbage-collect removed nothing')
})

test('the bundle: each blob once, tags after every blob and link, images.txt and SHA256SUMS inside (sha256sum -c passes), the same bytes twice', async () => {
  const t = await run('tar', ['-t', '-f', bundle])
  const names = t.stdout.split('\n').filter((n) => n !== '')
  const data = names.filter((n) => n.endsWith('/data'))
  assert.equal(new Set(data).size, data.length, 'every blob once')
  const firstTag = names.findIndex((n) => n.endsWith('/current/link'))
  const lastOther = Math.max(
    ...names.map((n, i) => (n.endsWith('/data') || /\/(_layers|revisions|index)\//.test(n) ? i : -1)),
  )
  assert.ok(firstTag > lastOther, 'tags come last')
  assert.deepEqual(names.slice(-2), ['images.txt', 'SHA256SUMS'])
  const images = readFileSync(join(served.rootDir, 'images.txt'), 'utf8')
  assert.deepEqual(images.trim().split('\n').sort(), [...digests].map(([i, d]) => `${i} ${d}`).sort())
  const sums = await run('sha256sum', ['-c', '--strict', '--quiet', 'SHA256SUMS'], { cwd: served.rootDir })
  assert.equal(sums.code, 0, sums.stdout + sums.stderr)
  // the shared base layer is stored once: the bundle is far smaller than its images added up
  const again = join(work, 'again.tar')
  const r = await sk([
    'sync',
    '--src',
    'registry-storage',
    '--dest',
    'registry-storage-archive',
    '--images-from',
    join(work, 'release.list'),
    pool,
    again,
  ])
  assert.equal(r.code, 0, r.stderr)
  assert.ok(readFileSync(again).equals(readFileSync(bundle)), 'the same store and list give the same bytes')
  const report = await verifyBundle(bundle)
  assert.equal(report.images, digests.size)
})

test('list-tags and inspect read a bundle offline, as skopeo inspects the served image', async () => {
  const lt = await sk(['list-tags', `registry-storage-archive:${bundle}:${LIST_IMAGE.split(':')[0]}`])
  assert.equal(lt.code, 0, lt.stderr)
  assert.deepEqual(JSON.parse(lt.stdout), { Repository: 'kubesphere/multi', Tags: ['v1'] })
  const all = await sk(['list-tags', `registry-storage-archive:${bundle}`])
  assert.deepEqual(JSON.parse(all.stdout).Tags.sort(), [...digests.keys()].sort())
  const image = seed.images[1]!
  const ours = await sk(['inspect', '--no-tags', `registry-storage-archive:${bundle}:${image}`])
  assert.equal(ours.code, 0, ours.stderr)
  const theirs = await skopeo(['inspect', '--no-tags', '--tls-verify=false', `docker://${served.host}/${image}`])
  assert.equal(theirs.code, 0, theirs.stderr)
  // skopeo 1.9.3 (Debian's build) prints no LayersData; skiff does, as upstream skopeo
  const strip = (s: string): unknown => ({ ...JSON.parse(s), Name: undefined, LayersData: undefined })
  assert.deepEqual(strip(ours.stdout), strip(theirs.stdout))
  const missing = await sk(['inspect', `registry-storage-archive:${bundle}:nope:v1`])
  assert.equal(missing.code, 2, missing.stderr)
  assert.match(missing.stderr, /the bundle has no repository "nope"/)
})

test('install from the bundle (plain and zstd) = sync from the store: same digests, each blob uploaded once, the rest mounted, a second install skips everything', async () => {
  const zst = join(work, 'release.tar.zst')
  const z = await sk([
    'sync',
    '--src',
    'registry-storage',
    '--dest',
    'registry-storage-archive',
    '--images-from',
    join(work, 'release.list'),
    pool,
    zst,
  ])
  assert.equal(z.code, 0, z.stderr)
  assert.deepEqual([...readFileSync(zst).subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], 'zstd')
  assert.ok(statSync(zst).size < statSync(bundle).size)
  const logBefore = readAccessLog(install.logPath).length
  // --all: every instance of the list (without it skopeo, and skiff, copy the host's platform only)
  const a = await sk([
    '--insecure-policy',
    'sync',
    ...TLS,
    '--all',
    '--src',
    'registry-storage-archive',
    '--dest',
    'docker',
    bundle,
    `${install.host}/plain`,
  ])
  assert.equal(a.code, 0, a.stderr)
  const log = readAccessLog(install.logPath).slice(logBefore)
  const uploaded = log
    .filter((e) => e.method === 'PUT' && e.path.includes('/blobs/uploads/'))
    .map((e) => new URLSearchParams(e.query).get('digest'))
  const mounts = log.filter((e) => e.method === 'POST' && e.query.includes('mount=') && e.status === 201)
  const distinct = readFileSync(join(served.rootDir, 'SHA256SUMS'), 'utf8').trim().split('\n').length
  const manifests = 2 + digests.size // the list's two instances and every top manifest
  assert.equal(new Set(uploaded).size, uploaded.length, 'no blob uploaded twice')
  assert.equal(uploaded.length, distinct - manifests, 'every blob uploaded once (a fresh registry, a fresh cache)')
  assert.ok(mounts.length >= seed.images.length - 1, 'the shared base layer mounted across repositories')
  const b = await sk(
    [
      '--insecure-policy',
      'sync',
      ...TLS,
      '--all',
      '--src',
      'registry-storage-archive',
      '--dest',
      'docker',
      zst,
      `${install.host}/zst`,
    ],
    { spawn: true },
  )
  assert.equal(b.code, 0, b.stderr)
  const c = await sk([
    '--insecure-policy',
    'sync',
    ...TLS,
    '--all',
    '--src',
    'registry-storage',
    '--dest',
    'docker',
    '--images-from',
    join(work, 'release.list'),
    pool,
    `${install.host}/store`,
  ])
  assert.equal(c.code, 0, c.stderr)
  for (const [image, digest] of digests) {
    for (const ns of ['plain', 'zst', 'store'])
      assert.equal(await servedDigest(install, `${ns}/${image}`), digest, `${ns}/${image}`)
  }
  // the re-install in a process of its own with a private TMPDIR, watched: the decompressed copy of
  // the zstd bundle is made there and is gone when the process is
  const privateTmp = await mkdtemp(join(work, 'tmp-'))
  const made: string[] = []
  const watcher = watch(privateTmp, (_event, name) => {
    if (name?.startsWith('skiff-docker-archive-')) made.push(name)
  })
  const again = await sk(
    [
      '--insecure-policy',
      'sync',
      ...TLS,
      '--all',
      '--src',
      'registry-storage-archive',
      '--dest',
      'docker',
      zst,
      `${install.host}/plain`,
    ],
    { spawn: true, env: { TMPDIR: privateTmp } },
  )
  watcher.close()
  assert.equal(again.code, 0, again.stderr)
  assert.match(again.stderr, new RegExp(`${digests.size} skipped`))
  assert.ok(made.length > 0, 'the zstd bundle was decompressed into TMPDIR')
  // (Node ≥ 22 also keeps its compile cache there: only skiff's temp files count)
  assert.deepEqual(
    (await readdir(privateTmp)).filter((n) => n.startsWith('skiff')),
    [],
  )
})

test('a blob damaged in the store fails the bundle: nothing under the final name, one line naming the image and blob', async () => {
  const broken = await writeSeedStore(pool, { names: ['broken/img:1'] })
  const hex = (await verifyLayer(broken.digests.get('broken/img:1')!)).slice(7)
  const data = join(pool, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data')
  const bytes = readFileSync(data)
  bytes[bytes.length - 5]! ^= 1
  writeFileSync(data, bytes)
  writeFileSync(join(work, 'broken.list'), 'broken/img:1\n')
  const out = join(work, 'broken.tar')
  const r = await sk([
    'sync',
    '--src',
    'registry-storage',
    '--dest',
    'registry-storage-archive',
    '--images-from',
    join(work, 'broken.list'),
    pool,
    out,
  ])
  assert.equal(r.code, 1)
  assert.match(r.stderr, new RegExp(`broken/img:1.*blob sha256:${hex}.*(digest|mismatch)`, 'i'))
  assert.equal(existsSync(out), false, 'no bundle under the final name')
  assert.deepEqual(
    (await readdir(work)).filter((n) => n.startsWith('.broken.tar.')),
    [],
    'no temp bundle left',
  )
})

/** The digest of the last layer (the image's own) of the manifest `d` in the pool. */
async function verifyLayer(d: string): Promise<string> {
  const m = JSON.parse(
    readFileSync(join(pool, 'docker/registry/v2/blobs/sha256', d.slice(7, 9), d.slice(7), 'data'), 'utf8'),
  )
  return m.layers.at(-1).digest
}

test('a truncated or tampered bundle is refused with one line naming it; install pushes nothing', async () => {
  const cut = join(work, 'cut.tar')
  copyFileSync(bundle, cut)
  truncateSync(cut, Math.floor(statSync(bundle).size / 2))
  const before = readAccessLog(install.logPath).length
  const r = await sk([
    '--insecure-policy',
    'sync',
    ...TLS,
    '--src',
    'registry-storage-archive',
    '--dest',
    'docker',
    cut,
    `${install.host}/cut`,
  ])
  assert.equal(r.code, 1)
  assert.match(
    r.stderr,
    /cut\.tar is not a complete release bundle: (truncated tar archive|the tar has no end-of-archive marker)/,
  )
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
  assert.equal(
    readAccessLog(install.logPath)
      .slice(before)
      .filter((e) => e.method !== 'GET').length,
    0,
  )
  // cut at an entry boundary: the end marker and the lists written last are missing
  const boundary = join(work, 'boundary.tar')
  copyFileSync(bundle, boundary)
  truncateSync(boundary, statSync(bundle).size - 1024)
  const v = await sk(['verify-bundle', boundary])
  assert.equal(v.code, 1)
  assert.match(v.stderr, /boundary\.tar is not a complete release bundle: the tar has no end-of-archive marker/)

  // one bit of the shared base layer flipped
  const bad = join(work, 'tampered.tar')
  copyFileSync(bundle, bad)
  const base =
    seed.images.length > 0
      ? [...readFileSync(join(served.rootDir, 'SHA256SUMS'), 'utf8').matchAll(/^(\w+) {2}(\S+)$/gm)]
      : []
  const layer = base
    .map((m) => m[1]!)
    .find(
      (hex) =>
        statSync(join(served.rootDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data')).size > 100,
    )!
  const t = await run('tar', ['-tv', '--block-number', '-f', bad])
  const line = t.stdout.split('\n').find((l) => l.includes(`${layer}/data`))!
  const block = Number(/block (\d+)/.exec(line)![1])
  const buf = readFileSync(bad)
  buf[(block + 1) * 512 + 20]! ^= 1
  writeFileSync(bad, buf)
  const vb = await sk(['verify-bundle', bad])
  assert.equal(vb.code, 1)
  assert.match(
    vb.stderr,
    new RegExp(`blob sha256:${layer} \\(.*\\) does not match its digest .*the bundle is damaged or was altered`),
  )
  const good = await sk(['verify-bundle', bundle])
  assert.equal(good.code, 0, good.stderr)
  assert.match(good.stdout, new RegExp(`${digests.size} images, \\d+ blobs .*: every digest verified`))
  // into a registry that lacks the blob (one that has it mounts it and never reads the bundle's copy)
  const fresh = await startRegistry()
  try {
    const ins = await sk([
      '--insecure-policy',
      'sync',
      ...TLS,
      '--src',
      'registry-storage-archive',
      '--dest',
      'docker',
      bad,
      fresh.host,
    ])
    assert.equal(ins.code, 1)
    assert.match(ins.stderr, new RegExp(`${layer.slice(0, 12)}|digest`, 'i'))
    assert.doesNotMatch(ins.stderr, /\n\s+at /, 'no stack trace')
  } finally {
    await fresh.close()
  }
})
