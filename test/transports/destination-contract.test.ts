/**
 * Every destination through the MUSTs of src/transports/types.ts (ImageDestination), against real
 * stores: local folders and archives, a real docker-registry, a real dockerd. What each case
 * checks is what a user could see afterwards — files and temp files (the work folder and
 * --tmpdir), tags, images in the daemon — with an independent reader (skopeo, the docker CLI,
 * the store's own files), never the transport's own source.
 *
 * Registries (docker://) have no staging: the manifest PUT is atomic and is where the image
 * becomes visible (as in containers/image), so there "close without commit" is checked after the
 * blobs only, and what is checked is the tags. The upload session a broken stream leaves is the
 * registry's: distribution refuses to cancel an upload whose recorded offset no longer matches
 * ("upload resumed at wrong offset") and purges it itself (uploadpurging, 168 h by default).
 * Blobs a destination wrote into a content-addressed store that existed before it was opened (a
 * registry, a shared oci: layout) may stay, unreferenced: another writer may be reusing them.
 * registry-storage leaves unreferenced blob data (and the store's folders) even in a store it
 * created, as distribution does (`garbage-collect` removes it; test/transports/registry-storage/
 * bad-input.test.ts asserts this). containers-storage: touches the store only in commit (what is
 * staged before lives in --tmpdir), so there too everything must go. Everything else must go.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { parseImageName } from '../../src/transports/registry.js'
import type { ImageDestination, ImageReference, TransportOptions } from '../../src/transports/types.js'
import type { BlobInfo } from '../../src/manifest/types.js'
import { startDockerd, type Dockerd } from '../helpers/dockerd.js'
import { buildImage, sha256, smallImage, writeOciImage, type BuiltImage } from '../helpers/fixtures.js'
import { startRegistry, type Registry } from '../helpers/registry/index.js'
import { skopeo } from '../helpers/tools.js'
import { verifyBundle } from '../../src/transports/registry-storage-archive/verify.js'
import { isolateCache } from './docker/helpers.js'
import { makeTestStore, type TestStore } from '../helpers/containers-storage.js'

/** Every path under `root` (files, folders, symlinks), relative, sorted; [] when it does not exist. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = join(d, e.name)
      out.push(relative(root, p) + (e.isDirectory() ? '/' : ''))
      if (e.isDirectory()) await walk(p)
    }
  }
  await walk(root)
  return out.sort()
}

interface Subject {
  name: string
  /** Which image flavour the destination stores (OCI layouts: OCI; docker archives and daemons: schema2). */
  flavor: 'oci' | 'docker'
  /** Where the image becomes visible: commit(), or the top-level putManifest (registries). */
  visibleAt: 'commit' | 'putManifest'
  start(): Promise<void>
  stop(): Promise<void>
  /** A reference nobody wrote to yet, and the options to open it with. */
  fresh(): { ref: ImageReference; opts: TransportOptions }
  /** What a user can see of this kind of store now (files, temp files, tags, images). */
  state(): Promise<string[]>
  /** Entries of state() a close without commit may leave: blobs in a content-addressed store that existed before. */
  mayStay?(entry: string): boolean
  /** Whether the image `ref` names can be read now, by an independent reader. */
  visible(ref: ImageReference): Promise<boolean>
}

const cases: Subject[] = []
let work = ''
let counter = 0
const next = (): number => ++counter

async function skopeoSees(image: string, extra: string[] = []): Promise<boolean> {
  const r = await skopeo(['inspect', '--raw', ...extra, image])
  return r.code === 0
}

/** Local stores: one folder per kind holding targets and --tmpdir; state = its whole tree. */
function local(
  name: string,
  flavor: 'oci' | 'docker',
  refOf: (dir: string, n: number) => string,
  sharedBlobs = false,
): Subject {
  const dir = (): string => join(work, name)
  return {
    name,
    flavor,
    visibleAt: 'commit',
    start: async () => {
      await mkdir(join(dir(), 'tmp'), { recursive: true })
    },
    stop: async () => undefined,
    fresh: () => ({ ref: parseImageName(refOf(dir(), next())), opts: { tmpdir: join(dir(), 'tmp') } }),
    state: () => tree(dir()),
    ...(sharedBlobs ? { mayStay: (e: string) => /^shared\/blobs\/sha256\/[0-9a-f]{64}$/.test(e) } : {}),
    visible: (ref) => skopeoSees(ref.toString()),
  }
}

cases.push(local('dir', 'oci', (d, n) => `dir:${d}/out${n}`))
cases.push(local('oci', 'oci', (d, n) => `oci:${d}/layout${n}:v${n}`))
cases.push(local('oci-shared', 'oci', (d, n) => `oci:${d}/shared:v${n}`, true))
cases.push(local('oci-archive', 'oci', (d, n) => `oci-archive:${d}/a${n}.tar:v${n}`))
cases.push(local('docker-archive', 'docker', (d, n) => `docker-archive:${d}/a${n}.tar:contract/a${n}:v${n}`))
// a release bundle (skiff only, so skopeo cannot be the reader): visible = the file verifies and holds the tag
cases.push({
  ...local('registry-storage-archive', 'oci', (d, n) => `registry-storage-archive:${d}/b${n}.tar:contract/b${n}:v${n}`),
  visible: async (ref) => {
    const [path, name, tag] = ref.stringWithinTransport().split(':')
    try {
      await verifyBundle(path!)
      return readFileSync(path!).includes(`${name}:${tag} sha256:`)
    } catch {
      return false
    }
  },
})

{
  // registry-storage: a fresh store per reference, and one shared store that already holds an image.
  const v2 = 'docker/registry/v2'
  /** The store's folders and blob data under `store/` (what a close without commit may leave). */
  const blobData =
    /^(docker\/(registry\/(v2\/(repositories\/|blobs\/(sha256\/([0-9a-f]{2}\/([0-9a-f]{64}\/(data)?)?)?)?)?)?)?)?$/
  const storeEntry = (e: string): boolean => {
    const m = /^(shared|store\d+)\/(.*)$/.exec(e)
    return m !== null && blobData.test(m[2]!)
  }
  /** The manifest a tag names, read from distribution's files (tags/TAG/current/link → blob data). */
  const tagged = async (root: string, repo: string, tag: string): Promise<boolean> => {
    try {
      const d = (
        await readFile(join(root, v2, 'repositories', repo, '_manifests/tags', tag, 'current/link'), 'utf8')
      ).trim()
      const hex = d.slice('sha256:'.length)
      return (await stat(join(root, v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data'))).isFile()
    } catch {
      return false
    }
  }
  for (const shared of [false, true]) {
    const name = shared ? 'registry-storage-shared' : 'registry-storage'
    const dir = (): string => join(work, name)
    cases.push({
      name,
      flavor: 'oci',
      visibleAt: 'commit',
      start: async () => {
        await mkdir(join(dir(), 'tmp'), { recursive: true })
      },
      stop: async () => undefined,
      fresh: () => {
        const n = next()
        return {
          ref: parseImageName(`registry-storage:${dir()}/${shared ? 'shared' : `store${n}`}:contract/r${n}:v${n}`),
          opts: { tmpdir: join(dir(), 'tmp') },
        }
      },
      state: () => tree(dir()),
      mayStay: storeEntry,
      visible: async (ref) => {
        const [root, repo, tag] = ref.stringWithinTransport().split(':') as [string, string, string]
        return tagged(root, repo, tag)
      },
    })
  }
}

{
  let reg: Registry | undefined
  let restoreCache: (() => void) | undefined
  const opts: TransportOptions = { registry: { tlsVerify: false } }
  cases.push({
    name: 'docker',
    flavor: 'oci',
    visibleAt: 'putManifest',
    start: async () => {
      restoreCache = isolateCache()
      reg = await startRegistry()
    },
    stop: async () => {
      await reg?.close()
      restoreCache?.()
    },
    fresh: () => ({ ref: parseImageName(`docker://${reg!.host}/contract/d${next()}:latest`), opts }),
    // Tags (blob data, _layers links and upload sessions are the registry's shared store).
    state: async () => {
      const repos = join(reg!.rootDir, 'docker/registry/v2/repositories')
      return (await tree(repos)).filter((p) => /\/_manifests\/tags\//.test(p))
    },
    visible: (ref) => skopeoSees(ref.toString(), ['--tls-verify=false']),
  })
}

{
  let d: Dockerd | undefined
  const dir = (): string => join(work, 'docker-daemon')
  cases.push({
    name: 'docker-daemon',
    flavor: 'docker',
    visibleAt: 'commit',
    start: async () => {
      await mkdir(join(dir(), 'tmp'), { recursive: true })
      d = await startDockerd()
    },
    stop: async () => {
      await d?.close()
    },
    fresh: () => ({
      ref: parseImageName(`docker-daemon:contract/d${next()}:latest`),
      opts: { tmpdir: join(dir(), 'tmp'), registry: { daemonHost: d!.host } },
    }),
    state: async () => {
      const r = await d!.docker(['image', 'ls', '--all', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])
      assert.equal(r.code, 0, r.stderr)
      return [...r.stdout.split('\n').filter((l) => l !== ''), ...(await tree(dir())).map((p) => `tmpdir ${p}`)].sort()
    },
    visible: async (ref) => (await d!.docker(['image', 'inspect', ref.stringWithinTransport()])).code === 0,
  })
}

{
  let store: TestStore | undefined
  const tmp = (): string => join(store!.dir, 'tmp')
  cases.push({
    name: 'containers-storage',
    flavor: 'oci',
    visibleAt: 'commit',
    start: async () => {
      store = await makeTestStore('vfs')
      await mkdir(tmp())
    },
    stop: async () => {
      await store?.close()
    },
    fresh: () => ({ ref: parseImageName(store!.ref(`localhost/contract/c${next()}:latest`)), opts: { tmpdir: tmp() } }),
    // The store's images (with their names) and layers, as containers-storage lists them, and --tmpdir.
    state: async () => {
      const list = async (what: string): Promise<{ id: string; names?: string[] }[]> => {
        const r = await store!.cs([what, '--json'])
        assert.equal(r.code, 0, r.stderr)
        return (JSON.parse(r.stdout.trim() || 'null') ?? []) as { id: string; names?: string[] }[]
      }
      return [
        ...(await list('images')).map((i) => `image ${i.id} ${(i.names ?? []).join(',')}`),
        ...(await list('layers')).map((l) => `layer ${l.id}`),
        ...(await tree(tmp())).map((p) => `tmpdir ${p}`),
      ].sort()
    },
    visible: (ref) => skopeoSees(ref.toString()),
  })
}

const images = new Map<string, BuiltImage>()

async function imageFor(flavor: 'oci' | 'docker'): Promise<BuiltImage> {
  let img = images.get(flavor)
  if (!img) {
    const spec = smallImage('contract', { flavor })
    img = await buildImage({
      ...spec,
      layers: spec.layers.map((l) => ({
        ...l,
        compression: flavor === 'docker' ? ('none' as const) : ('gzip' as const),
      })),
    })
    images.set(flavor, img)
  }
  return img
}

/** A stream that sends `bytes` up to half and then fails, as a source whose connection drops. */
function failingStream(bytes: Buffer): Readable {
  let sent = false
  return new Readable({
    read() {
      if (!sent) {
        sent = true
        this.push(bytes.subarray(0, Math.max(1, bytes.length >> 1)))
      } else {
        setImmediate(() => this.destroy(new Error('the source connection dropped')))
      }
    },
  })
}

const blobOf = (l: { digest: string; size: number; mediaType: string }): BlobInfo => ({
  digest: l.digest as BlobInfo['digest'],
  size: l.size,
  mediaType: l.mediaType,
})

async function putLayers(dest: ImageDestination, img: BuiltImage): Promise<void> {
  for (const l of img.layers)
    await dest.putBlob(Readable.from([l.bytes]), blobOf(l), { expectedDigest: l.digest as BlobInfo['digest'] })
}

async function putImage(dest: ImageDestination, img: BuiltImage, manifest = true): Promise<void> {
  await putLayers(dest, img)
  const config: BlobInfo = { digest: img.configDigest as BlobInfo['digest'], size: img.config.length }
  await dest.putBlob(Readable.from([img.config]), config, { isConfig: true, expectedDigest: config.digest })
  if (manifest) await dest.putManifest(img.manifest, img.mediaType)
  await dest.putSignatures([])
}

async function withDest<T>(
  s: Subject,
  fn: (dest: ImageDestination, ref: ImageReference) => Promise<T>,
): Promise<{ ref: ImageReference; result: T }> {
  const { ref, opts } = s.fresh()
  const dest = await ref.newImageDestination(opts)
  try {
    return { ref, result: await fn(dest, ref) }
  } finally {
    await dest.close()
  }
}

/** state() after, minus what may stay, equals state() before. */
function sameState(s: Subject, before: string[], afterState: string[], what: string): void {
  const keep = (e: string): boolean => !before.includes(e) && s.mayStay?.(e) === true
  assert.deepEqual(
    afterState.filter((e) => !keep(e)),
    before,
    `${s.name}: ${what}`,
  )
}

describe('every destination keeps the ImageDestination contract', { timeout: 300_000 }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'skiff-contract-'))
    // The shared stores exist before the destinations under test are opened.
    await writeOciImage(join(work, 'oci-shared', 'shared'), 'existing', smallImage('existing'))
    const seed = join(work, 'seed')
    await writeOciImage(seed, 'v1', smallImage('existing'))
    const dest = await parseImageName(
      `registry-storage:${join(work, 'registry-storage-shared', 'shared')}:existing:v1`,
    ).newImageDestination()
    try {
      const src = await parseImageName(`oci:${seed}:v1`).newImageSource()
      try {
        const m = JSON.parse((await src.getManifest()).bytes.toString('utf8'))
        for (const b of [...m.layers, m.config]) await dest.putBlob((await src.getBlob(b)).stream, b)
        await dest.putManifest((await src.getManifest()).bytes, m.mediaType)
        await dest.commit()
      } finally {
        await src.close()
      }
    } finally {
      await dest.close()
    }
    await Promise.all(cases.map((s) => s.start()))
  })
  after(async () => {
    await Promise.all(cases.map((s) => s.stop()))
    if (work) await rm(work, { recursive: true, force: true })
  })

  for (const s of cases) {
    describe(s.name, () => {
      it('a blob stream that fails leaves no data and no temp file (size unknown, or known with its digest)', async () => {
        const img = await imageFor(s.flavor)
        const before = await s.state()
        await withDest(s, async (dest) => {
          const l = img.layers[0]!
          await assert.rejects(
            dest.putBlob(failingStream(l.bytes), { digest: l.digest as BlobInfo['digest'], size: -1 }),
            /dropped/,
          )
          await assert.rejects(
            dest.putBlob(failingStream(l.bytes), blobOf(l), { expectedDigest: l.digest as BlobInfo['digest'] }),
            /dropped/,
          )
          assert.equal(await dest.tryReusingBlob(blobOf(l)), undefined, 'a failed blob is not reusable')
          if (dest.localBlobPath) assert.equal(await dest.localBlobPath(l.digest as BlobInfo['digest']), undefined)
        })
        sameState(s, before, await s.state(), 'after failed blob streams and close')
      })

      it('close() without commit leaves nothing (files, temp files, tags, images)', async () => {
        const img = await imageFor(s.flavor)
        const before = await s.state()
        const { ref } = await withDest(s, async (dest, ref) => {
          await putImage(dest, img, s.visibleAt === 'commit')
          if (s.visibleAt === 'commit') assert.equal(await s.visible(ref), false, 'visible before commit')
        })
        assert.equal(await s.visible(ref), false)
        sameState(s, before, await s.state(), 'after close without commit')
      })

      it('commit() is idempotent (again, concurrently, after close); commit() after a close without commit is refused', async () => {
        const img = await imageFor(s.flavor)
        let closed: string[] = []
        const { ref } = await withDest(s, async (dest, ref) => {
          await putImage(dest, img)
          await Promise.all([dest.commit(), dest.commit()])
          assert.equal(await s.visible(ref), true)
          const committed = await s.state()
          await dest.commit()
          assert.deepEqual(await s.state(), committed, 'a second commit changed the destination')
          await dest.close()
          closed = await s.state()
          await dest.commit()
          await dest.close()
        })
        assert.equal(await s.visible(ref), true)
        assert.deepEqual(await s.state(), closed, 'commit() after a commit and close changed the destination')

        const before = await s.state()
        const second = await withDest(s, async (dest) => {
          await putImage(dest, img, s.visibleAt === 'commit')
          await dest.close()
          await assert.rejects(dest.commit(), /after close/)
          await assert.rejects(
            dest.putBlob(Readable.from([img.config]), { digest: img.configDigest as BlobInfo['digest'], size: -1 }),
            /after close/,
          )
        })
        assert.equal(await s.visible(second.ref), false)
        sameState(s, before, await s.state(), 'after commit() refused')
      })

      it('putBlob returns the digest and size of what it stored; tryReusingBlob finds it and never throws for a missing blob', async () => {
        const img = await imageFor(s.flavor)
        await withDest(s, async (dest) => {
          const l = img.layers[1]!
          const stored = await dest.putBlob(Readable.from([l.bytes.subarray(0, 7), l.bytes.subarray(7)]), {
            digest: l.digest as BlobInfo['digest'],
            size: -1,
          })
          assert.equal(stored.digest, sha256(l.bytes))
          assert.equal(stored.size, l.bytes.length)
          const found = await dest.tryReusingBlob(blobOf(l))
          assert.equal(found?.digest, l.digest)
          assert.equal(found?.size, l.size)
          const missing: BlobInfo = { digest: sha256('never stored'), size: 12 }
          assert.equal(await dest.tryReusingBlob(missing), undefined)
          assert.equal(
            await dest.tryReusingBlob(missing, {
              sourcePath: join(work, 'no', 'such', 'file'),
              earlierPath: join(work, 'nothing'),
            }),
            undefined,
          )
          if (dest.localBlobPath) {
            const p = await dest.localBlobPath(l.digest as BlobInfo['digest'])
            assert.ok(p !== undefined && (await readFile(p)).equals(l.bytes), 'localBlobPath names the stored blob')
            assert.equal(await dest.localBlobPath(missing.digest), undefined)
            assert.equal(await dest.localBlobPath('sha256:../../etc' as BlobInfo['digest']), undefined)
          }
        })
      })

      it('putBlob may run concurrently when hasThreadSafePutBlob says so', async (t) => {
        const img = await imageFor(s.flavor)
        let committedRef: ImageReference | undefined
        await withDest(s, async (dest, ref) => {
          if (!dest.properties.hasThreadSafePutBlob) {
            t.skip('putBlob is not thread-safe here')
            return
          }
          const config: BlobInfo = { digest: img.configDigest as BlobInfo['digest'], size: img.config.length }
          await Promise.all([
            ...img.layers.map((l) =>
              dest.putBlob(Readable.from([l.bytes]), blobOf(l), { expectedDigest: l.digest as BlobInfo['digest'] }),
            ),
            dest.putBlob(Readable.from([img.config]), config, { isConfig: true }),
          ])
          await dest.putManifest(img.manifest, img.mediaType)
          await dest.commit()
          committedRef = ref
        })
        if (committedRef) assert.equal(await s.visible(committedRef), true)
      })
    })
  }
})
