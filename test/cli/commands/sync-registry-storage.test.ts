/**
 * The seed's release pipeline as single `skiff sync` commands against a real docker-registry:
 * convert (list → registry-storage; dir/oci → registry-storage), select (store → store with
 * --images-from: every blob hardlinked, zero bytes streamed, served by docker-registry), install
 * (store → registry). And `--dest dir` hardlinking blobs shared between image directories.
 * One registry for the whole file; each test writes below its own namespace or folder.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { smallImage, writeOciImage, type LayerSpec } from '../../helpers/fixtures.js'
import { REGISTRY_BINARY, startRegistry, type Registry } from '../../helpers/registry/index.js'
import { run, skopeo, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

let reg: Registry
let work: string
/** The seed's list, shortened: repositories with namespaces, an official image, two tags of one repo. */
const IMAGES = [
  'kubesphere/kube-apiserver:v1.20.6',
  'kubesphere/kube-apiserver:v1.19.9',
  'calico/cni:v3.16.3',
  'busybox:1.31.1',
  'alpine:3.14',
  'prom/prometheus:v2.26.0',
]
const LIST = `##kubesphere-images\n${IMAGES.join('\n')}\n# duplicates collapse\nbusybox:1.31.1\n`
const TLS = ['--src-tls-verify=false', '--dest-tls-verify=false']
const ACCEPT =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json'
/** image → digest in the registry */
const pushed = new Map<string, string>()
let store: string

before(async () => {
  reg = await startRegistry()
  work = await mkdtemp(join(tmpdir(), 'skiff-sync-rs-cli-'))
  const layout = join(work, 'seed')
  for (const [i, image] of IMAGES.entries()) {
    // every image shares the base layer; the apiserver tags share a second one
    const layers: LayerSpec[] = [
      { files: { 'base.txt': 'shared base layer\n' } },
      ...(image.startsWith('kubesphere/') ? [{ files: { 'k8s.txt': 'kube\n' } }] : []),
      { files: { [`own${i}`]: `image ${i}\n` } },
    ]
    await writeOciImage(layout, `i${i}`, smallImage(`img${i}`, { layers }))
    assert.equal(
      (await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:i${i}`, `docker://${reg.host}/${image}`])).code,
      0,
    )
    pushed.set(image, (await headDigest(reg, image))!)
  }
  await writeFile(join(work, 'images-list.txt'), LIST)
  // the pool every other test selects from: the convert step of the first test, done once here
  store = join(work, 'store')
  const r = await skiff([
    '--insecure-policy',
    'sync',
    '--src',
    'list',
    '--src-registry',
    reg.host,
    ...TLS,
    '--dest',
    'registry-storage',
    join(work, 'images-list.txt'),
    store,
  ])
  assert.equal(r.code, 0, r.stderr)
})

after(async () => {
  await reg?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

async function headDigest(r: Registry, image: string): Promise<string | undefined> {
  const i = image.lastIndexOf(':')
  const res = await fetch(`${r.url}/v2/${image.slice(0, i)}/manifests/${image.slice(i + 1)}`, {
    method: 'HEAD',
    headers: { accept: ACCEPT },
  })
  return res.status === 200 ? (res.headers.get('docker-content-digest') ?? undefined) : undefined
}

async function catalog(r: Registry): Promise<string[]> {
  return ((await (await fetch(`${r.url}/v2/_catalog?n=1000`)).json()) as { repositories: string[] }).repositories.sort()
}

const V2 = 'docker/registry/v2'

function dataPath(root: string, digest: string): string {
  return join(root, V2, 'blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data')
}

async function currentLink(root: string, image: string): Promise<string | undefined> {
  const i = image.lastIndexOf(':')
  return readFile(
    join(root, V2, 'repositories', image.slice(0, i), '_manifests/tags', image.slice(i + 1), 'current/link'),
    'utf8',
  ).catch(() => undefined)
}

/** Config and layer digests of a stored manifest. */
async function blobsOf(root: string, manifestDigest: string): Promise<string[]> {
  const m = JSON.parse(await readFile(dataPath(root, manifestDigest), 'utf8'))
  return [m.config.digest, ...m.layers.map((l: { digest: string }) => l.digest)]
}

/** Every file below `root`, relative, sorted. */
async function files(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name))
      else out.push(relative(root, join(d, e.name)))
    }
  }
  await walk(root)
  return out.sort()
}

/** Serves `root` with docker-registry and checks skopeo sees exactly `images` with the digests in `want`. */
async function assertServed(root: string, images: string[], want: Map<string, string>): Promise<void> {
  const served = await startRegistry({ rootDir: root })
  try {
    const repos = [...new Set(images.map((i) => i.slice(0, i.lastIndexOf(':'))))].sort()
    assert.deepEqual(await catalog(served), repos)
    for (const image of images) {
      const r = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--format',
        '{{.Digest}}',
        `docker://${served.host}/${image}`,
      ])
      assert.equal(r.code, 0, `${image}: ${r.stderr}`)
      assert.equal(r.stdout.trim(), want.get(image), image)
    }
    // and pulls every blob
    await withTempDir(async (d) => {
      for (const image of images)
        assert.equal(
          (
            await skopeo([
              'copy',
              '--src-tls-verify=false',
              `docker://${served.host}/${image}`,
              `oci:${d}/pulled:${image.replace(/[/:]/g, '_')}`,
            ])
          ).code,
          0,
          image,
        )
    })
  } finally {
    await served.close()
  }
}

test("convert: list → registry-storage keeps the repository paths; docker-registry serves the store with the registry's digests", async () => {
  for (const image of IMAGES) assert.equal(await currentLink(store, image), pushed.get(image), image)
  await assertServed(store, IMAGES, pushed)
  // a re-run skips everything (the store's tag links are read, nothing is fetched)
  const again = await skiff([
    '--insecure-policy',
    'sync',
    '--src',
    'list',
    '--src-registry',
    reg.host,
    ...TLS,
    '--dest',
    'registry-storage',
    '--report',
    join(work, 'again.json'),
    join(work, 'images-list.txt'),
    store,
  ])
  assert.equal(again.code, 0, again.stderr)
  const rep = JSON.parse(await readFile(join(work, 'again.json'), 'utf8'))
  assert.deepEqual(
    rep.images.map((i: { result: string }) => i.result),
    IMAGES.map(() => 'skipped'),
  )
})

test('convert from dir and oci: seed-style image folders and ref names → registry-storage, blobs hardlinked', async () => {
  await withTempDir(async (d) => {
    const dirs = join(d, 'images')
    const layout = join(d, 'layout')
    for (const image of IMAGES.slice(0, 3)) {
      await mkdir(join(dirs, image, '..'), { recursive: true })
      assert.equal(
        (await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/${image}`, `dir:${dirs}/${image}`]))
          .code,
        0,
      )
      assert.equal(
        (await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/${image}`, `oci:${layout}:${image}`]))
          .code,
        0,
      )
    }
    const fromDir = join(d, 'from-dir')
    const r = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'dir',
      '--dest',
      'registry-storage',
      '--report',
      join(d, 'dir.json'),
      dirs,
      fromDir,
    ])
    assert.equal(r.code, 0, r.stderr)
    const fromOci = join(d, 'from-oci')
    const ro = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'oci',
      '--dest',
      'registry-storage',
      '--report',
      join(d, 'oci.json'),
      layout,
      fromOci,
    ])
    assert.equal(ro.code, 0, ro.stderr)
    for (const [out, report] of [
      [fromDir, 'dir.json'],
      [fromOci, 'oci.json'],
    ] as const) {
      assert.equal(
        JSON.parse(await readFile(join(d, report), 'utf8')).summary.bytesCopied,
        0,
        `${report}: every blob hardlinked`,
      )
      for (const image of IMAGES.slice(0, 3)) {
        const digest = await currentLink(out, image)
        assert.equal(digest, pushed.get(image), `${out} ${image}`)
        for (const b of await blobsOf(out, digest!))
          assert.ok((await stat(dataPath(out, b))).nlink > 1, `${b} hardlinked`)
      }
    }
    await assertServed(fromDir, IMAGES.slice(0, 3), pushed)
  })
})

test('select: store → store with --images-from copies only the listed images, hardlinks every blob and manifest, streams 0 bytes; gc keeps everything', async () => {
  await withTempDir(async (d) => {
    const wanted = ['kubesphere/kube-apiserver:v1.20.6', 'busybox:1.31.1', 'prom/prometheus:v2.26.0']
    const lists = join(d, 'lists')
    await rm(lists, { recursive: true, force: true })
    await writeFile(
      join(d, 'selection.list'),
      `# release 3.1\n${wanted[0]}\n${wanted[1]}\n\n${wanted[2]}\n${wanted[1]}\n`,
    )
    const out = join(d, 'out')
    const r = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'registry-storage',
      '--dest',
      'registry-storage',
      '--images-from',
      join(d, 'selection.list'),
      '--report',
      join(d, 'report.json'),
      store,
      out,
    ])
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(await readFile(join(d, 'report.json'), 'utf8'))
    assert.equal(report.summary.copied, 3)
    assert.equal(report.summary.bytesCopied, 0, 'no blob bytes streamed')
    assert.ok(report.summary.bytesReused > 0)
    assert.deepEqual(
      report.images.map((i: { destination: string }) => i.destination),
      wanted.map((w) => `registry-storage:${out}:${w}`),
    )
    for (const image of wanted) {
      const digest = await currentLink(out, image)
      assert.equal(digest, pushed.get(image))
      for (const b of await blobsOf(out, digest!)) {
        const [a, c] = [await stat(dataPath(store, b)), await stat(dataPath(out, b))]
        assert.equal(c.ino, a.ino, `${image} ${b}: same inode`)
        assert.ok(c.nlink > 1)
      }
    }
    // every data file of the output — manifests and list instances too, as the seed's `ln -f` — is a
    // hardlink of the store's
    const outData = (await files(join(out, V2, 'blobs'))).filter((f) => f.endsWith('/data'))
    assert.ok(outData.length >= wanted.length * 3, `${outData.length} data files`)
    for (const f of outData) {
      const [a, c] = [await stat(join(store, V2, 'blobs', f)), await stat(join(out, V2, 'blobs', f))]
      assert.equal(c.ino, a.ino, `${f}: same inode as the store's`)
    }
    for (const image of IMAGES.filter((i) => !wanted.includes(i)))
      assert.equal(await currentLink(out, image), undefined, `${image} not selected`)
    assert.ok(!existsSync(join(out, V2, 'repositories/calico')))
    await assertServed(out, wanted, pushed)

    // docker-registry garbage-collect on the selected store removes nothing
    const before = await files(join(out, V2, 'blobs'))
    const config = join(d, 'gc.yml')
    await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${out}\n`)
    const gc = await run(REGISTRY_BINARY, ['garbage-collect', config])
    assert.equal(gc.code, 0, gc.stderr + gc.stdout)
    assert.deepEqual(await files(join(out, V2, 'blobs')), before)

    // a listed image the store lacks: that image fails, with --keep-going the others complete
    await writeFile(join(d, 'bad.list'), 'alpine:3.14\nnot/there:v1\n')
    const bad = await skiff([
      '--insecure-policy',
      'sync',
      '--keep-going',
      '--src',
      'registry-storage',
      '--dest',
      'registry-storage',
      '--images-from',
      join(d, 'bad.list'),
      store,
      join(d, 'out2'),
    ])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /not\/there:v1.*the store has no repository "not\/there"/)
    assert.equal(await currentLink(join(d, 'out2'), 'alpine:3.14'), pushed.get('alpine:3.14'))
  })
})

test('install: registry-storage → docker pushes every image; skopeo sees identical digests', async () => {
  const r = await skiff([
    '--insecure-policy',
    'sync',
    '--src',
    'registry-storage',
    '--dest',
    'docker',
    ...TLS,
    store,
    `${reg.host}/installed`,
  ])
  assert.equal(r.code, 0, r.stderr)
  for (const image of IMAGES) {
    const i = await skopeo([
      'inspect',
      '--tls-verify=false',
      '--format',
      '{{.Digest}}',
      `docker://${reg.host}/installed/${image}`,
    ])
    assert.equal(i.code, 0, i.stderr)
    assert.equal(i.stdout.trim(), pushed.get(image), image)
  }
  // --include-tags narrows the store's images
  const inc = await skiff([
    '--insecure-policy',
    'sync',
    '--src',
    'registry-storage',
    '--dest',
    'docker',
    ...TLS,
    '--include-tags',
    '^v1\\.20',
    store,
    `${reg.host}/inc`,
  ])
  assert.equal(inc.code, 0, inc.stderr)
  assert.deepEqual(
    (await catalog(reg)).filter((x) => x.startsWith('inc/')),
    ['inc/kubesphere/kube-apiserver'],
  )
})

test('--dest dir hardlinks blobs shared between the image directories of one sync; skopeo reads every directory', async () => {
  await withTempDir(async (d) => {
    const out = join(d, 'dirs')
    const r = await skiff([
      '--insecure-policy',
      'sync',
      '--src',
      'list',
      '--src-registry',
      reg.host,
      ...TLS,
      '--dest',
      'dir',
      '--report',
      join(d, 'r.json'),
      join(work, 'images-list.txt'),
      out,
    ])
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(await readFile(join(d, 'r.json'), 'utf8'))
    // the shared base layer: one inode in every image folder
    const base = (await blobsOf(store, pushed.get('alpine:3.14')!))[1]!.slice(7)
    const inodes = new Set<number>()
    for (const image of IMAGES) {
      const st = await stat(join(out, image, base))
      inodes.add(st.ino)
      assert.equal(st.nlink, IMAGES.length, `${image}: the base layer is linked into every folder`)
    }
    assert.equal(inodes.size, 1)
    const baseSize = (await stat(join(out, IMAGES[0]!, base))).size
    assert.ok(report.summary.bytesReused >= baseSize * (IMAGES.length - 1), 'the base layer was streamed once')
    for (const image of IMAGES) {
      const i = await skopeo(['inspect', '--format', '{{.Digest}}', `dir:${join(out, image)}`])
      assert.equal(i.code, 0, i.stderr)
      assert.equal(i.stdout.trim(), pushed.get(image), image)
      assert.equal((await skopeo(['copy', `dir:${join(out, image)}`, `oci:${d}/check:x`])).code, 0)
    }
    // skopeo's own sync writes each copy again (the oracle for the layout: same files)
    const theirs = join(d, 'skopeo')
    for (const image of IMAGES) {
      await mkdir(join(theirs, image, '..'), { recursive: true })
      assert.equal(
        (await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/${image}`, `dir:${theirs}/${image}`]))
          .code,
        0,
      )
    }
    assert.deepEqual(await files(out), await files(theirs))
  })
})

test('usage: --images-from needs --src registry-storage; a registry-storage DESTINATION must be a path without ":"', async () => {
  const a = await skiff(['sync', '--src', 'dir', '--dest', 'registry-storage', '--images-from', 'x.list', '/a', '/b'])
  assert.equal(a.code, 1)
  assert.match(a.stderr, /--images-from is only used with --src registry-storage/)
  const b = await skiff([
    '--insecure-policy',
    'sync',
    '--src',
    'registry-storage',
    '--dest',
    'registry-storage',
    store,
    '/tmp/a:b',
  ])
  assert.equal(b.code, 1)
  assert.match(b.stderr, /rootdirectory/)
})
