import assert from 'node:assert/strict'
import { simpleSigning } from '../../../src/signature/types.js'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createReadStream } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { extract } from 'tar-stream'
import { InvalidReferenceError, ManifestTypeRejectedError, SkiffError } from '../../../src/errors.js'
import { parseNormalizedReference } from '../../../src/reference/docker-reference.js'
import { dockerArchiveTransport } from '../../../src/transports/docker-archive/transport.js'
import type { ImageDestination, TransportOptions } from '../../../src/transports/types.js'
import {
  buildImage,
  sha256,
  smallImage,
  writeOciImage,
  type BuiltImage,
  type ImageSpec,
} from '../../helpers/fixtures.js'
import { run, skopeo, withTempDir } from '../../helpers/tools.js'

interface TarFile {
  type: string
  linkname?: string
  data: Buffer
}

async function readTar(path: string): Promise<Map<string, TarFile>> {
  const out = new Map<string, TarFile>()
  const ex = extract()
  ex.on('entry', (h, stream, next) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: unknown) => {
      chunks.push(c as Buffer)
    })
    stream.on('end', () => {
      out.set(h.name, { type: h.type, ...(h.linkname ? { linkname: h.linkname } : {}), data: Buffer.concat(chunks) })
      next()
    })
  })
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', () => resolve())
    ex.on('error', reject)
  })
  createReadStream(path).pipe(ex as unknown as NodeJS.WritableStream)
  await done
  return out
}

/** The fixture as a docker schema2 image with UNCOMPRESSED layers (what the engine feeds a 'decompress' destination). */
function dockerImage(spec: ImageSpec = smallImage()): Promise<BuiltImage> {
  return buildImage({
    ...spec,
    flavor: 'docker',
    layers: spec.layers.map((l) => ({ ...l, compression: 'none' as const })),
  })
}

/** Feeds an image to a destination the way the copy engine does; layer `unknownSize` goes with size -1. */
async function feed(dest: ImageDestination, img: BuiltImage, unknownSize = 1): Promise<void> {
  for (const [i, l] of img.layers.entries()) {
    const got =
      i === unknownSize
        ? await dest.putBlob(Readable.from([l.bytes]), { digest: l.digest, size: -1 })
        : await dest.putBlob(Readable.from([l.bytes]), { digest: l.digest, size: l.size }, { expectedDigest: l.digest })
    assert.deepEqual({ digest: got.digest, size: got.size }, { digest: l.digest, size: l.size })
  }
  const c = await dest.putBlob(
    Readable.from([img.config]),
    { digest: img.configDigest, size: img.config.length },
    { isConfig: true },
  )
  assert.equal(c.digest, img.configDigest)
  await dest.putManifest(img.manifest, img.mediaType)
  await dest.putSignatures([])
}

async function write(name: string, img: BuiltImage, opts: TransportOptions = {}): Promise<void> {
  const dest = await dockerArchiveTransport.parseReference(name).newImageDestination(opts)
  try {
    await feed(dest, img)
    await dest.commit()
  } finally {
    await dest.close()
  }
}

describe('docker-archive destination', () => {
  it('writes an archive skopeo reads and copies, with the RepoTags and additional tags', async () => {
    await withTempDir(async (dir) => {
      const img = await dockerImage()
      const out = join(dir, 'out.tar')
      await write(`${out}:example.com/app:v1`, img, {
        additionalTags: [parseNormalizedReference('other/name:v2'), parseNormalizedReference('busybox')],
      })
      const tags = await skopeo(['list-tags', `docker-archive:${out}`])
      assert.equal(tags.code, 0, tags.stderr)
      assert.deepEqual((JSON.parse(tags.stdout) as { Tags: string[] }).Tags, [
        'example.com/app:v1',
        'docker.io/other/name:v2',
        'docker.io/library/busybox:latest',
      ])
      const inspect = await skopeo(['inspect', `docker-archive:${out}:other/name:v2`])
      assert.equal(inspect.code, 0, inspect.stderr)
      assert.deepEqual(
        (JSON.parse(inspect.stdout) as { Layers: string[] }).Layers,
        img.layers.map((l) => l.diffID),
      )
      const raw = JSON.parse((await skopeo(['inspect', '--raw', `docker-archive:${out}`])).stdout) as {
        config: { digest: string }
      }
      assert.equal(raw.config.digest, img.configDigest)

      const oci = join(dir, 'oci')
      const cp = await skopeo(['copy', `docker-archive:${out}:busybox`, `oci:${oci}:t`])
      assert.equal(cp.code, 0, cp.stderr)
      const index = JSON.parse(await readFile(join(oci, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }
      const m = JSON.parse(await readFile(join(oci, 'blobs/sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as {
        config: { digest: string }
      }
      assert.equal(m.config.digest, img.configDigest)
      // Nothing but the archive is left in the folder.
      assert.deepEqual((await readdir(dir)).sort(), ['oci', 'out.tar'])
    })
  })

  it('writes the same entries, bytes and legacy layer IDs as skopeo', async () => {
    await withTempDir(async (dir) => {
      const spec = smallImage('same')
      await writeOciImage(join(dir, 'src'), 't', spec)
      const theirs = join(dir, 'theirs.tar')
      const r = await skopeo(['copy', `oci:${join(dir, 'src')}:t`, `docker-archive:${theirs}:example.com/same:v1`])
      assert.equal(r.code, 0, r.stderr)
      const ours = join(dir, 'ours.tar')
      await write(`${ours}:example.com/same:v1`, await dockerImage(spec))
      const a = await readTar(theirs)
      const b = await readTar(ours)
      assert.deepEqual([...b.keys()], [...a.keys()])
      for (const [name, t] of a) {
        const o = b.get(name)!
        assert.equal(o.type, t.type, name)
        assert.equal(o.linkname, t.linkname, name)
        assert.ok(o.data.equals(t.data), `${name}: ${o.data.toString()} != ${t.data.toString()}`)
      }
      // Also for an untagged image: RepoTags [] and repositories {} as skopeo writes.
      const theirs2 = join(dir, 'theirs2.tar')
      assert.equal((await skopeo(['copy', `oci:${join(dir, 'src')}:t`, `docker-archive:${theirs2}`])).code, 0)
      const ours2 = join(dir, 'ours2.tar')
      await write(ours2, await dockerImage(spec))
      const a2 = await readTar(theirs2)
      const b2 = await readTar(ours2)
      assert.deepEqual(b2.get('manifest.json')!.data.toString(), a2.get('manifest.json')!.data.toString())
      assert.deepEqual(b2.get('repositories')!.data.toString(), a2.get('repositories')!.data.toString())
      const lt = await skopeo(['list-tags', `docker-archive:${ours2}`])
      assert.deepEqual((JSON.parse(lt.stdout) as { Tags: string[] }).Tags, ['@0'])
    })
  })

  it('writes a repeated layer once and offers it for reuse', async () => {
    await withTempDir(async (dir) => {
      const layer = { files: { 'same.txt': 'twice\n' } }
      const img = await dockerImage({ layers: [layer, { files: { 'mid.txt': 'm' } }, layer] })
      const out = join(dir, 'dup.tar')
      const dest = await dockerArchiveTransport.parseReference(`${out}:dup:1`).newImageDestination()
      try {
        assert.equal(await dest.tryReusingBlob({ digest: img.layers[0]!.digest, size: -1 }), undefined)
        await feed(dest, img, 2)
        assert.deepEqual(await dest.tryReusingBlob({ digest: img.layers[0]!.digest, size: -1 }), {
          digest: img.layers[0]!.digest,
          size: img.layers[0]!.size,
        })
        await dest.commit()
      } finally {
        await dest.close()
      }
      const entries = await readTar(out)
      assert.equal([...entries.keys()].filter((n) => n.endsWith('.tar') && !n.includes('/')).length, 2)
      const cp = await skopeo(['copy', `docker-archive:${out}`, `oci:${join(dir, 'oci')}:t`])
      assert.equal(cp.code, 0, cp.stderr)
    })
  })

  it('writes to a FIFO directly', async () => {
    await withTempDir(async (dir) => {
      const fifo = join(dir, 'fifo')
      assert.equal((await run('mkfifo', [fifo])).code, 0)
      const out = join(dir, 'from-fifo.tar')
      const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, out], { stdio: 'ignore' })
      const exited = once(reader, 'exit')
      try {
        const img = await dockerImage()
        await write(`${fifo}:fifo:v1`, img)
        await exited
        const raw = await skopeo(['inspect', '--raw', `docker-archive:${out}:fifo:v1`])
        assert.equal(raw.code, 0, raw.stderr)
        assert.equal((JSON.parse(raw.stdout) as { config: { digest: string } }).config.digest, img.configDigest)
      } finally {
        reader.kill()
      }
    })
  })

  it('leaves nothing behind without commit, keeps an existing archive until commit, then replaces it', async () => {
    await withTempDir(async (dir) => {
      const tmp = join(dir, 'tmp')
      await mkdir(tmp)
      const out = join(dir, 'out.tar')
      const img = await dockerImage()
      let dest = await dockerArchiveTransport.parseReference(`${out}:x:1`).newImageDestination({ tmpdir: tmp })
      await feed(dest, img)
      await dest.close()
      assert.deepEqual(await readdir(dir), ['tmp'])
      assert.deepEqual(await readdir(tmp), [])

      await writeFile(out, 'old archive')
      dest = await dockerArchiveTransport.parseReference(`${out}:x:1`).newImageDestination({ tmpdir: tmp })
      await feed(dest, img)
      assert.equal(await readFile(out, 'utf8'), 'old archive')
      await dest.commit()
      await dest.close()
      assert.deepEqual((await readdir(dir)).sort(), ['out.tar', 'tmp'])
      assert.deepEqual(await readdir(tmp), [])
      assert.equal((await skopeo(['inspect', '--raw', `docker-archive:${out}`])).code, 0)
    })
  })

  it('fails a blob that does not match its digest and discards everything', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'bad.tar')
      const img = await dockerImage()
      const dest = await dockerArchiveTransport.parseReference(out).newImageDestination()
      const l = img.layers[0]!
      const wrong = Buffer.from(l.bytes)
      wrong[wrong.length - 1] = 1
      await assert.rejects(
        dest.putBlob(Readable.from([wrong]), { digest: l.digest, size: l.size }, { expectedDigest: l.digest }),
        (e: SkiffError) => e.code === 'ERR_DIGEST_MISMATCH',
      )
      await assert.rejects(
        dest.putBlob(Readable.from([l.bytes]), { digest: l.digest, size: l.size }, { expectedDigest: l.digest }),
      )
      await dest.close()
      assert.deepEqual(await readdir(dir), [])
    })
  })

  it('rejects what a docker archive cannot hold', async () => {
    await withTempDir(async (dir) => {
      const out = join(dir, 'r.tar')
      assert.throws(() => dockerArchiveTransport.parseReference(`${out}:busybox@${sha256('x')}`), InvalidReferenceError)
      await assert.rejects(
        dockerArchiveTransport.parseReference(`${out}:@0`).newImageDestination(),
        InvalidReferenceError,
      )
      const oci = await buildImage({
        ...smallImage(),
        layers: smallImage().layers.map((l) => ({ ...l, compression: 'none' as const })),
      })
      const dest = await dockerArchiveTransport.parseReference(out).newImageDestination()
      try {
        for (const l of oci.layers) await dest.putBlob(Readable.from([l.bytes]), { digest: l.digest, size: l.size })
        await dest.putBlob(Readable.from([oci.config]), { digest: oci.configDigest, size: -1 }, { isConfig: true })
        await assert.rejects(dest.putManifest(oci.manifest, oci.mediaType), ManifestTypeRejectedError)
        await assert.rejects(
          dest.putSignatures([simpleSigning(Buffer.from('\xa3sig', 'latin1'))]),
          (e: SkiffError) => e.code === 'ERR_UNSUPPORTED',
        )
        assert.equal(dest.properties.desiredLayerCompression, 'decompress')
      } finally {
        await dest.close()
      }
      await assert.rejects(
        dockerArchiveTransport.parseReference(join(dir, 'no/such/dir.tar')).newImageDestination(),
        (e: SkiffError) => e.code === 'ERR_INVALID_ARGUMENT',
      )
      assert.deepEqual(await readdir(dir), [])
    })
  })
})
