import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { ImageNotFoundError, SkiffError } from '../../../src/errors.js'
import { dockerArchiveTransport, listArchiveTags } from '../../../src/transports/docker-archive/transport.js'
import type { ImageSource } from '../../../src/transports/types.js'
import { sha256, smallImage, writeOciImage } from '../../helpers/fixtures.js'
import { run, skopeo, withTempDir } from '../../helpers/tools.js'
import { legacyArchive, ociStyleArchive, tarEntries, writeArchive } from './archive-builder.js'

interface Schema2 {
  mediaType: string
  config: { mediaType: string; size: number; digest: string }
  layers: { mediaType: string; size: number; digest: string }[]
}

async function open(name: string, opts = {}): Promise<ImageSource> {
  return dockerArchiveTransport.parseReference(name).newImageSource(opts)
}

async function blobDigest(
  src: ImageSource,
  digest: string,
): Promise<{ digest: string; size: number; reported: number }> {
  const { stream, size } = await src.getBlob({ digest, size: -1 })
  const h = createHash('sha256')
  let n = 0
  for await (const c of stream) {
    h.update(c as Buffer)
    n += (c as Buffer).length
  }
  return { digest: `sha256:${h.digest('hex')}`, size: n, reported: size }
}

async function manifestOf(src: ImageSource): Promise<Schema2> {
  const m = await src.getManifest()
  assert.equal(m.mediaType, 'application/vnd.docker.distribution.manifest.v2+json')
  return JSON.parse(m.bytes.toString()) as Schema2
}

async function assertBlobsHash(src: ImageSource, m: Schema2): Promise<void> {
  for (const d of [m.config, ...m.layers]) {
    const got = await blobDigest(src, d.digest)
    assert.equal(got.digest, d.digest)
    assert.equal(got.size, d.size)
    assert.equal(got.reported, d.size)
  }
}

describe('docker-archive source', () => {
  it('reads what skopeo writes: layers are the DiffIDs, config and layers match skopeo inspect --raw', async () => {
    await withTempDir(async (dir) => {
      const img = await writeOciImage(join(dir, 'oci'), 't', smallImage())
      const archive = join(dir, 'a.tar')
      const r = await skopeo(['copy', `oci:${join(dir, 'oci')}:t`, `docker-archive:${archive}:example.com/app:v1`])
      assert.equal(r.code, 0, r.stderr)
      const raw = JSON.parse((await skopeo(['inspect', '--raw', `docker-archive:${archive}`])).stdout) as Schema2
      for (const name of [`${archive}`, `${archive}:example.com/app:v1`, `${archive}:@0`]) {
        const src = await open(name)
        try {
          const m = await manifestOf(src)
          assert.deepEqual(
            m.layers.map((l) => l.digest),
            img.layers.map((l) => l.diffID),
          )
          assert.deepEqual(
            m.layers.map((l) => l.digest),
            raw.layers.map((l) => l.digest),
          )
          assert.deepEqual(
            m.layers.map((l) => l.size),
            raw.layers.map((l) => l.size),
          )
          assert.deepEqual(m.config, raw.config)
          // labelled exactly as skopeo labels them (.tar.gzip even though uncompressed)
          assert.deepEqual(
            m.layers.map((l) => l.mediaType),
            raw.layers.map((l) => l.mediaType),
          )
          await assertBlobsHash(src, m)
          // Deterministic: the same archive always gives the same bytes.
          const again = await open(name)
          assert.deepEqual((await again.getManifest()).bytes, (await src.getManifest()).bytes)
          await again.close()
        } finally {
          await src.close()
        }
      }
    })
  })

  it('chooses among several images by tag, by @N, and refuses to guess', async () => {
    await withTempDir(async (dir) => {
      const a = await legacyArchive([
        { spec: smallImage('one'), repoTags: ['busybox:latest', 'example.com/one:v1'] },
        { spec: smallImage('two'), repoTags: ['quay.io/org/two:v2'] },
        { spec: smallImage('three'), repoTags: null },
      ])
      const path = join(dir, 'multi.tar')
      await writeArchive(path, a)
      const configOf = async (name: string): Promise<string> => {
        const src = await open(name)
        try {
          return (await manifestOf(src)).config.digest
        } finally {
          await src.close()
        }
      }
      assert.equal(await configOf(`${path}:busybox`), a.built[0]!.configDigest)
      assert.equal(await configOf(`${path}:docker.io/library/busybox:latest`), a.built[0]!.configDigest)
      assert.equal(await configOf(`${path}:example.com/one:v1`), a.built[0]!.configDigest)
      assert.equal(await configOf(`${path}:quay.io/org/two:v2`), a.built[1]!.configDigest)
      assert.equal(await configOf(`${path}:@0`), a.built[0]!.configDigest)
      assert.equal(await configOf(`${path}:@1`), a.built[1]!.configDigest)
      assert.equal(await configOf(`${path}:@2`), a.built[2]!.configDigest)
      await assert.rejects(open(path), (e: SkiffError) => {
        assert.equal(e.code, 'ERR_INVALID_ARGUMENT')
        assert.match(e.message, /3 images/)
        assert.match(e.message, /busybox:latest/)
        assert.match(e.message, /:@N/)
        return true
      })
      await assert.rejects(
        open(`${path}:busybox:1.0`),
        (e: unknown) => e instanceof ImageNotFoundError && /busybox:1\.0/.test(e.message) && e.message.includes(path),
      )
      await assert.rejects(open(`${path}:@3`), ImageNotFoundError)
      // skopeo agrees on which image is which.
      const sk = JSON.parse(
        (await skopeo(['inspect', '--raw', `docker-archive:${path}:quay.io/org/two:v2`])).stdout,
      ) as Schema2
      assert.equal(sk.config.digest, a.built[1]!.configDigest)
    })
  })

  it('chooses by platform when several images are unnamed and a platform is given', async () => {
    await withTempDir(async (dir) => {
      const a = await legacyArchive([
        { spec: smallImage('x', { architecture: 'amd64' }), repoTags: ['x:amd64'] },
        { spec: smallImage('y', { architecture: 'arm64' }), repoTags: ['x:arm64'] },
      ])
      const path = join(dir, 'p.tar')
      await writeArchive(path, a)
      const src = await open(path, { platform: { os: 'linux', architecture: 'arm64' } })
      assert.equal((await manifestOf(src)).config.digest, a.built[1]!.configDigest)
      await src.close()
    })
  })

  it('follows symlinked layers in the legacy layout', async () => {
    await withTempDir(async (dir) => {
      const shared = { files: { 'shared.txt': 'same layer in both images\n' } }
      const a = await legacyArchive([
        { spec: { layers: [shared, { files: { 'a.txt': 'a' } }] }, repoTags: ['a:1'] },
        { spec: { layers: [shared, { files: { 'b.txt': 'b' } }] }, repoTags: ['b:1'] },
      ])
      const path = join(dir, 'sym.tar')
      await writeArchive(path, a)
      const listing = (await run('tar', ['tvf', path])).stdout
      assert.match(listing, /layer\.tar -> \.\.\//)
      const src = await open(`${path}:b:1`)
      try {
        const m = await manifestOf(src)
        assert.deepEqual(
          m.layers.map((l) => l.digest),
          a.built[1]!.layers.map((l) => l.diffID),
        )
        await assertBlobsHash(src, m)
      } finally {
        await src.close()
      }
    })
  })

  it('reads the OCI-style layout of Docker ≥ 25 (blobs/sha256)', async () => {
    await withTempDir(async (dir) => {
      const a = await ociStyleArchive([{ spec: smallImage('oci'), repoTags: ['oci:latest'] }])
      const path = join(dir, 'oci.tar')
      await writeArchive(path, a)
      const src = await open(`${path}:oci`)
      try {
        const m = await manifestOf(src)
        assert.equal(m.config.digest, a.built[0]!.configDigest)
        assert.deepEqual(
          m.layers.map((l) => l.digest),
          a.built[0]!.layers.map((l) => l.diffID),
        )
        await assertBlobsHash(src, m)
      } finally {
        await src.close()
      }
    })
  })

  it('names a gzip-compressed layer file by its own digest with the gzip media type', async () => {
    await withTempDir(async (dir) => {
      const a = await legacyArchive([
        {
          spec: { layers: [{ files: { 'z.txt': 'zipped' }, compression: 'gzip' }, { files: { 'p.txt': 'plain' } }] },
          repoTags: ['z:1'],
        },
      ])
      const path = join(dir, 'gz.tar')
      await writeArchive(path, a)
      const src = await open(path)
      try {
        const m = await manifestOf(src)
        assert.equal(m.layers[0]!.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip')
        assert.equal(m.layers[0]!.digest, a.built[0]!.layers[0]!.digest)
        // an uncompressed layer carries skopeo's (.tar.gzip) label; the engine detects the truth
        assert.equal(m.layers[1]!.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip')
        await assertBlobsHash(src, m)
      } finally {
        await src.close()
      }
    })
  })

  it('reads a gzip-compressed archive and an archive from a pipe, leaving no temp files', async () => {
    await withTempDir(async (dir) => {
      const a = await legacyArchive([{ spec: smallImage('piped'), repoTags: ['piped:1'] }])
      const tmp = join(dir, 'tmp')
      await run('mkdir', [tmp])
      const gz = join(dir, 'a.tar.gz')
      await writeFile(gz, gzipSync(a.tar))
      let src = await open(gz, { tmpdir: tmp })
      assert.equal((await manifestOf(src)).config.digest, a.built[0]!.configDigest)
      assert.equal((await readdir(tmp)).length, 1)
      await src.close()
      assert.deepEqual(await readdir(tmp), [])

      const fifo = join(dir, 'fifo')
      assert.equal((await run('mkfifo', [fifo])).code, 0)
      const plain = join(dir, 'plain.tar')
      await writeArchive(plain, a)
      const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', plain, fifo], { stdio: 'ignore' })
      try {
        src = await open(`${fifo}:piped:1`, { tmpdir: tmp })
        const m = await manifestOf(src)
        assert.equal(m.config.digest, a.built[0]!.configDigest)
        await assertBlobsHash(src, m)
        await src.close()
        assert.deepEqual(await readdir(tmp), [])
      } finally {
        writer.kill()
      }
    })
  })

  it('lists every tag like skopeo list-tags (RepoTags as written, @N for untagged)', async () => {
    await withTempDir(async (dir) => {
      const a = await legacyArchive([
        { spec: smallImage('one'), repoTags: ['image1:tag1', 'example.com/image1:other'] },
        { spec: smallImage('two'), repoTags: null },
        { spec: smallImage('three'), repoTags: ['image3:tag3'] },
      ])
      const path = join(dir, 'tags.tar')
      await writeArchive(path, a)
      const tags = await listArchiveTags(path)
      assert.deepEqual(tags, ['image1:tag1', 'example.com/image1:other', '@1', 'image3:tag3'])
      const sk = await skopeo(['list-tags', `docker-archive:${path}`])
      assert.equal(sk.code, 0, sk.stderr)
      assert.deepEqual((JSON.parse(sk.stdout) as { Tags: string[] }).Tags, tags)
    })
  })

  it('rejects bad input clearly', async () => {
    await withTempDir(async (dir) => {
      const missing = join(dir, 'missing.tar')
      await assert.rejects(
        open(missing),
        (e: unknown) => e instanceof ImageNotFoundError && e.exitCode === 2 && e.message.includes(missing),
      )

      const evil = join(dir, 'evil.tar')
      await writeFile(
        evil,
        await tarEntries([
          { name: 'manifest.json', data: '[]' },
          { name: '../evil', data: 'x' },
        ]),
      )
      await assert.rejects(open(evil), (e: SkiffError) => e.code === 'ERR_UNSAFE_PATH')

      const abs = join(dir, 'abs.tar')
      await writeFile(
        abs,
        await tarEntries([
          { name: '/etc/passwd', data: 'x' },
          { name: 'manifest.json', data: '[]' },
        ]),
      )
      await assert.rejects(open(abs), (e: SkiffError) => e.code === 'ERR_UNSAFE_PATH')

      // A layer symlink pointing outside the archive, and manifest.json naming a path outside it.
      const img = (await legacyArchive([{ spec: smallImage('l'), repoTags: ['l:1'] }])).built[0]!
      const cfg = `${img.configDigest.slice(7)}.json`
      const esc = join(dir, 'escape.tar')
      await writeFile(
        esc,
        await tarEntries([
          { name: cfg, data: img.config },
          { name: 'l1/layer.tar', type: 'symlink', linkname: '../../../etc/passwd' },
          { name: 'l2/layer.tar', data: img.layers[1]!.bytes },
          {
            name: 'manifest.json',
            data: JSON.stringify([{ Config: cfg, RepoTags: ['l:1'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }]),
          },
        ]),
      )
      const src = await open(esc)
      await assert.rejects(src.getManifest(), (e: SkiffError) => e.code === 'ERR_UNSAFE_PATH')
      await src.close()
      const esc2 = join(dir, 'escape2.tar')
      await writeFile(
        esc2,
        await tarEntries([
          { name: 'manifest.json', data: JSON.stringify([{ Config: '../x.json', RepoTags: [], Layers: [] }]) },
        ]),
      )
      const src2 = await open(esc2)
      await assert.rejects(src2.getManifest(), (e: SkiffError) => e.code === 'ERR_UNSAFE_PATH')
      await src2.close()

      const notTar = join(dir, 'not.tar')
      await writeFile(notTar, 'this is not a tar archive at all, just text'.repeat(20))
      await assert.rejects(open(notTar), (e: SkiffError) => e.code === 'ERR_INVALID_LAYOUT')

      const good = join(dir, 'good.tar')
      await writeArchive(good, await legacyArchive([{ spec: smallImage('g'), repoTags: ['g:1'] }]))
      const s = await open(good)
      await assert.rejects(
        s.getBlob({ digest: sha256('nope'), size: -1 }),
        (e: SkiffError) => e.code === 'ERR_INVALID_ARGUMENT' && e.message.includes(good),
      )
      await s.close()
    })
  })
})
