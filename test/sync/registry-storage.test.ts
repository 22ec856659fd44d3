/**
 * planSync + runSync with registry-storage on either side (no registry needed): every repository
 * and tag of a store, --images-from lists (file or folder, tags and digests, a missing image failing
 * on its own), tag filters, and the destination naming rules (repository path kept, no host).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { smallImage, writeOciImage } from '../helpers/fixtures.js'
import { acceptAnything, copy } from '../helpers/skiff.js'
import { planSync } from '../../src/sync/planner.js'
import { runSync } from '../../src/sync/executor.js'
import type { SyncDestSpec, SyncItem, SyncSourceSpec } from '../../src/sync/types.js'
import { readImagesFrom } from '../../src/sync/image-list.js'

let work: string
let store: string
/** repo:tag → manifest digest, as stored. */
const stored = new Map<string, string>()
const IMAGES = [
  'library/busybox:1.31.1',
  'kubesphere/kube-apiserver:v1.20.6',
  'kubesphere/kube-apiserver:v1.19.9',
  'calico/cni:v3.16.3',
  'alpine:3.14',
]

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'skiff-sync-rs-'))
  store = join(work, 'store')
  const layout = join(work, 'seed')
  for (const [i, image] of IMAGES.entries()) {
    await writeOciImage(
      layout,
      `i${i}`,
      smallImage(`x${i}`, { layers: [{ files: { base: 'shared base' } }, { files: { [`f${i}`]: `${i}` } }] }),
    )
    const r = await copy(`oci:${layout}:i${i}`, `registry-storage:${store}:${image}`)
    stored.set(image, r.manifestDigest)
  }
})

after(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

async function plan(
  source: SyncSourceSpec,
  dest: SyncDestSpec,
  opts: Parameters<typeof planSync>[2] = {},
): Promise<SyncItem[]> {
  const out: SyncItem[] = []
  for await (const item of planSync(source, dest, opts)) out.push(item)
  return out
}

test('--src registry-storage: every repository and tag, sorted; names keep the repository path for every destination', async () => {
  const src: SyncSourceSpec = { kind: 'registry-storage', input: store }
  const sorted = [...IMAGES].sort()
  const toStore = await plan(src, { kind: 'registry-storage', target: '/out' })
  assert.deepEqual(
    toStore.map((i) => i.label),
    [
      'alpine:3.14',
      'calico/cni:v3.16.3',
      'kubesphere/kube-apiserver:v1.19.9',
      'kubesphere/kube-apiserver:v1.20.6',
      'library/busybox:1.31.1',
    ],
  )
  assert.deepEqual(
    toStore.map((i) => i.source.toString()),
    sorted.map((i) => `registry-storage:${store}:${i}`),
  )
  assert.deepEqual(
    toStore.map((i) => i.destination.toString()),
    sorted.map((i) => `registry-storage:/out:${i}`),
  )
  const toDocker = await plan(src, { kind: 'docker', target: 'harbor.example.com/proj' })
  assert.deepEqual(
    toDocker.map((i) => i.destination.toString()),
    sorted.map((i) => `docker://harbor.example.com/proj/${i}`),
  )
  const toDir = await plan(src, { kind: 'dir', target: '/d' })
  assert.deepEqual(
    toDir.map((i) => i.destination.toString()),
    sorted.map((i) => `dir:/d/${i}`),
  )
  const toOci = await plan(src, { kind: 'oci', target: '/o' })
  assert.deepEqual(
    toOci.map((i) => i.destination.toString()),
    sorted.map((i) => `oci:/o:${i}`),
  )
  // --scoped changes nothing: a store has no registry host
  assert.deepEqual(
    (await plan(src, { kind: 'docker', target: 'h' }, { scoped: true })).map((i) => i.label),
    toDocker.map((i) => i.label),
  )
  // tag filters apply
  const filtered = await plan(src, { kind: 'dir', target: '/d' }, { includeTags: /^v1\./, excludeTags: /19/ })
  assert.deepEqual(
    filtered.map((i) => i.label),
    ['kubesphere/kube-apiserver:v1.20.6'],
  )
  // --append-suffix goes after the tag, as skopeo
  assert.deepEqual(
    (await plan(src, { kind: 'registry-storage', target: '/out' }, { appendSuffix: '-x', includeTags: /^3\.14$/ })).map(
      (i) => i.destination.toString(),
    ),
    ['registry-storage:/out:alpine:3.14-x'],
  )
})

test('--dest registry-storage names images by their repository path without the host (docker, dir, oci, list sources)', async () => {
  const dest: SyncDestSpec = { kind: 'registry-storage', target: '/out' }
  const docker = await plan({ kind: 'docker', input: 'docker.io/busybox:1.31.1' }, dest)
  assert.deepEqual(
    docker.map((i) => i.destination.toString()),
    ['registry-storage:/out:busybox:1.31.1'],
  )
  const quay = await plan({ kind: 'docker', input: 'quay.io/coreos/etcd@sha256:' + 'a'.repeat(64) }, dest)
  assert.deepEqual(
    quay.map((i) => i.destination.toString()),
    [`registry-storage:/out:coreos/etcd@sha256:${'a'.repeat(64)}`],
  )
  // --scoped: the full reference is the repository path (valid when the host has no port)
  const scoped = await plan({ kind: 'docker', input: 'quay.io/coreos/etcd:v3' }, dest, { scoped: true })
  assert.deepEqual(
    scoped.map((i) => i.destination.toString()),
    ['registry-storage:/out:quay.io/coreos/etcd:v3'],
  )
  await assert.rejects(
    plan({ kind: 'docker', input: 'localhost:5000/app:v1' }, dest, { scoped: true }),
    /cannot name the destination registry-storage:\/out:localhost:5000\/app:v1/,
  )
  // list: the path as written
  const list = join(work, 'images-list.txt')
  await writeFile(list, '# comment\nkubesphere/kube-apiserver:v1.20.6\nbusybox:1.31.1\n\nquay.io/coreos/etcd:v3\n')
  const fromList = await plan({ kind: 'list', input: list, registry: 'registry.example.com:5000' }, dest)
  assert.deepEqual(
    fromList.map((i) => [i.source.toString(), i.destination.toString()]),
    [
      [
        'docker://registry.example.com:5000/kubesphere/kube-apiserver:v1.20.6',
        'registry-storage:/out:kubesphere/kube-apiserver:v1.20.6',
      ],
      ['docker://registry.example.com:5000/busybox:1.31.1', 'registry-storage:/out:busybox:1.31.1'],
      ['docker://quay.io/coreos/etcd:v3', 'registry-storage:/out:coreos/etcd:v3'],
    ],
  )
  // dir: the folder path below SOURCE (skopeo's last element would lose "kubesphere/")
  const dirs = join(work, 'dirs')
  await copy(
    `registry-storage:${store}:kubesphere/kube-apiserver:v1.20.6`,
    `dir:${dirs}/kubesphere/kube-apiserver:v1.20.6`,
  )
  const fromDir = await plan({ kind: 'dir', input: dirs }, dest)
  assert.deepEqual(
    fromDir.map((i) => i.destination.toString()),
    ['registry-storage:/out:kubesphere/kube-apiserver:v1.20.6'],
  )
  assert.deepEqual(
    (await plan({ kind: 'dir', input: dirs }, { kind: 'docker', target: 'h' })).map((i) => i.destination.toString()),
    ['docker://h/kube-apiserver:v1.20.6'],
    'other destinations keep skopeo naming',
  )
  await assert.rejects(plan({ kind: 'dir', input: dirs }, { kind: 'registry-storage', target: 'a:b' }), /rootdirectory/)
})

test('--images-from: a list file or a folder of *.list files; tags and digests; duplicates collapsed', async () => {
  const dir = join(work, 'lists')
  await mkdir(join(dir, 'sub'), { recursive: true })
  const digest = stored.get('calico/cni:v3.16.3')!
  await writeFile(
    join(dir, 'a.list'),
    `kubesphere/kube-apiserver:v1.20.6\n# not me: alpine:3.14\ndocker.io/library/busybox:1.31.1\n`,
  )
  await writeFile(join(dir, 'sub', 'b.list'), `calico/cni@${digest}\nkubesphere/kube-apiserver:v1.20.6\n`)
  await writeFile(join(dir, 'ignored.txt'), 'alpine:3.14\n')
  const sel = await readImagesFrom(dir)
  assert.deepEqual(
    sel.map(({ name, tag, digest: d }) => ({ name, tag, digest: d })),
    [
      { name: 'kubesphere/kube-apiserver', tag: 'v1.20.6', digest: undefined },
      { name: 'library/busybox', tag: '1.31.1', digest: undefined },
      { name: 'calico/cni', tag: undefined, digest },
    ],
  )
  const items = await plan(
    { kind: 'registry-storage', input: store, imagesFrom: dir },
    { kind: 'registry-storage', target: '/out' },
  )
  assert.deepEqual(
    items.map((i) => i.destination.toString()),
    [
      'registry-storage:/out:kubesphere/kube-apiserver:v1.20.6',
      'registry-storage:/out:library/busybox:1.31.1',
      `registry-storage:/out:calico/cni@${digest}`,
    ],
  )
  await assert.rejects(readImagesFrom(join(work, 'nope.list')), /cannot read the image list/)
  await assert.rejects(readImagesFrom(join(dir, 'sub', 'empty-folder-does-not-exist')), /cannot read the image list/)
})

test('select through runSync: listed images only, every blob hardlinked, a missing image fails alone with keepGoing', async () => {
  const out = join(work, 'selected')
  const list = join(work, 'select.list')
  await writeFile(list, 'kubesphere/kube-apiserver:v1.20.6\nnot/there:v1\nalpine:3.14\n')
  const summary = await runSync(
    planSync({ kind: 'registry-storage', input: store, imagesFrom: list }, { kind: 'registry-storage', target: out }),
    {
      copy: { policy: acceptAnything },
      keepGoing: true,
      jobs: 2,
    },
  )
  assert.equal(summary.copied, 2)
  assert.equal(summary.failed, 1)
  assert.equal(summary.bytesCopied, 0, 'no blob bytes streamed')
  assert.ok(summary.bytesReused > 0)
  const failed = summary.images.find((r) => r.result === 'failed')!
  assert.match(failed.error!, /registry-storage:[^ ]+:not\/there:v1: the store has no repository "not\/there"/)
  for (const image of ['kubesphere/kube-apiserver:v1.20.6', 'alpine:3.14']) {
    const [name, tag] = image.split(':') as [string, string]
    const link = join(out, 'docker/registry/v2/repositories', name, '_manifests/tags', tag, 'current/link')
    assert.equal(await readFile(link, 'utf8'), stored.get(image))
    const m = JSON.parse(
      await readFile(
        join(
          out,
          'docker/registry/v2/blobs/sha256',
          stored.get(image)!.slice(7, 9),
          stored.get(image)!.slice(7),
          'data',
        ),
        'utf8',
      ),
    )
    for (const d of [m.config.digest, ...m.layers.map((l: { digest: string }) => l.digest)] as string[]) {
      const p = (root: string): string =>
        join(root, 'docker/registry/v2/blobs/sha256', d.slice(7, 9), d.slice(7), 'data')
      const [a, b] = [await stat(p(store)), await stat(p(out))]
      assert.equal(a.ino, b.ino, `${d} hardlinked`)
    }
  }
  assert.ok(!existsSync(join(out, 'docker/registry/v2/repositories/calico')), 'unlisted images are not copied')
  assert.ok(!existsSync(join(out, 'docker/registry/v2/repositories/not')), 'nothing left behind for the missing image')
  // a re-run finds both present (skip-if-present reads the store's links) and only the missing one fails again
  const again = await runSync(
    planSync({ kind: 'registry-storage', input: store, imagesFrom: list }, { kind: 'registry-storage', target: out }),
    { copy: { policy: acceptAnything }, keepGoing: true },
  )
  assert.deepEqual(
    again.images.map((r) => r.result),
    ['skipped', 'failed', 'skipped'],
  )
})

test('--src registry-storage on a folder that is not a store fails the plan clearly', async () => {
  await assert.rejects(
    plan({ kind: 'registry-storage', input: join(work, 'seed') }, { kind: 'dir', target: '/d' }),
    /no registry storage at .*seed .*rootdirectory/,
  )
})
