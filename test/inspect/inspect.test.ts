import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inspectImage, type InspectOptions } from '../../src/inspect/inspect.js'
import { jsonOutput } from '../../src/go/json.js'
import { parseImageName } from '../../src/transports/registry.js'
import { DigestMismatchError } from '../../src/errors.js'
import { skopeo, withTempDir } from '../helpers/tools.js'
import { smallImage, writeOciImage, writeOciIndex } from '../helpers/fixtures.js'

async function ours(image: string, opts: InspectOptions = {}): Promise<string> {
  const src = await parseImageName(image).newImageSource()
  try {
    const r = await inspectImage(src, opts)
    return r.kind === 'raw' ? r.bytes.toString('utf8') : jsonOutput(r.value)
  } finally {
    await src.close()
  }
}

async function theirs(args: string[]): Promise<string> {
  const r = await skopeo(args)
  assert.equal(r.code, 0, r.stderr)
  return r.stdout
}

test('inspect output is byte-identical with skopeo (oci image, labels with <>&)', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    await writeOciImage(layout, 't', smallImage('a', { labels: { 'a<b': 'x&y>', z: '1', '10': 'ten', '9': 'nine' } }))
    const img = `oci:${layout}:t`
    // Debian's skopeo 1.9.3 has no LayersData field; upstream does. Compare without it…
    assert.equal(await ours(img, { layersData: false }), await theirs(['inspect', img]))
    // …and check LayersData against the manifest.
    const withData = JSON.parse(await ours(img)) as Record<string, unknown>
    const manifest = JSON.parse(await theirs(['inspect', '--raw', img])) as {
      layers: Array<{ digest: string; size: number; mediaType: string }>
    }
    assert.deepEqual(
      withData.LayersData,
      manifest.layers.map((l) => ({ MIMEType: l.mediaType, Digest: l.digest, Size: l.size, Annotations: null })),
    )
    assert.deepEqual(Object.keys(withData), [
      'Digest',
      'RepoTags',
      'Created',
      'DockerVersion',
      'Labels',
      'Architecture',
      'Os',
      'Layers',
      'LayersData',
      'Env',
    ])
  })
})

test('inspect of an index: Digest of the index, values of the instance chosen by platform', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    await writeOciIndex(layout, 'multi', [
      smallImage('amd'),
      smallImage('arm', { architecture: 'arm64', variant: 'v8' }),
      smallImage('s390', { architecture: 's390x' }),
    ])
    const img = `oci:${layout}:multi`
    assert.equal(
      await ours(img, { layersData: false, platform: { os: 'linux', architecture: 'amd64' } }),
      await theirs(['--override-arch=amd64', 'inspect', img]),
    )
    for (const arch of ['arm64', 's390x']) {
      const mine = await ours(img, { layersData: false, platform: { architecture: arch } })
      assert.equal(mine, await theirs([`--override-arch=${arch}`, 'inspect', img]))
      assert.equal((JSON.parse(mine) as { Architecture: string }).Architecture, arch)
    }
    // --raw is the index itself; --config --raw the chosen config bytes; --config as skopeo prints it
    assert.equal(await ours(img, { raw: true }), await theirs(['inspect', '--raw', img]))
    assert.equal(
      await ours(img, { raw: true, config: true, platform: { architecture: 'arm64' } }),
      await theirs(['--override-arch=arm64', 'inspect', '--raw', '--config', img]),
    )
    assert.equal(
      await ours(img, { config: true, platform: { architecture: 's390x' } }),
      await theirs(['--override-arch=s390x', 'inspect', '--config', img]),
    )
    await assert.rejects(ours(img, { platform: { architecture: 'mips64' } }), { code: 'ERR_NO_MATCHING_PLATFORM' })
  })
})

test('--config of a config with every v1.Image field matches skopeo (order, omitempty, times, maps)', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    const built = await writeOciImage(layout, 't', smallImage('rich', { created: '2024-01-02T03:04:05.120000+02:00' }))
    // Rewrite the config with more fields, and the manifest to point at it.
    const cfg = JSON.parse(built.config.toString()) as Record<string, unknown>
    Object.assign(cfg, {
      author: 'me <a@b>',
      variant: 'v7',
      'os.version': '1.0',
      'os.features': ['f1'],
      docker_version: '20.10',
      unknown: 1,
      config: {
        User: 'u',
        ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
        Env: ['A=1'],
        Entrypoint: ['/e'],
        Cmd: ['c'],
        Volumes: { '/v': {} },
        WorkingDir: '/w',
        Labels: { b: '2', a: '1' },
        StopSignal: 'SIGTERM',
        ArgsEscaped: true,
        Memory: 5,
      },
      history: [{ created: '2024-01-02T03:04:05Z', created_by: 'x', empty_layer: true, comment: 'c' }, { author: 'a' }],
    })
    await rewriteConfig(layout, built.manifestDigest, Buffer.from(JSON.stringify(cfg)))
    const img = `oci:${layout}:t`
    assert.equal(await ours(img, { config: true }), await theirs(['inspect', '--config', img]))
    assert.equal(await ours(img, { layersData: false }), await theirs(['inspect', img]))
  })
})

/** Replaces an image's config in an OCI layout (new config blob, new manifest, index entry updated). */
async function rewriteConfig(layout: string, manifestDigest: string, config: Buffer): Promise<void> {
  const { createHash } = await import('node:crypto')
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
  await writeFile(join(layout, 'blobs', 'sha256', sha(config)), config)
  const manifest = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', manifestDigest.slice(7)), 'utf8')) as {
    config: { digest: string; size: number }
  }
  manifest.config.digest = `sha256:${sha(config)}`
  manifest.config.size = config.length
  const mbytes = Buffer.from(JSON.stringify(manifest))
  await writeFile(join(layout, 'blobs', 'sha256', sha(mbytes)), mbytes)
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; size: number }>
  }
  for (const e of index.manifests) {
    if (e.digest === manifestDigest) {
      e.digest = `sha256:${sha(mbytes)}`
      e.size = mbytes.length
    }
  }
  await writeFile(join(layout, 'index.json'), JSON.stringify(index))
}

test('docker schema2 and schema1 images (converted by skopeo) inspect as skopeo does', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    await writeOciImage(layout, 't', smallImage('d', { env: ['A=<1>'] }))
    for (const format of ['v2s2', 'v2s1']) {
      const d = join(dir, format)
      await theirs(['copy', '-q', '--format', format, `oci:${layout}:t`, `dir:${d}`])
      const img = `dir:${d}`
      assert.equal(await ours(img, { layersData: false }), await theirs(['inspect', img]), format)
      assert.equal(await ours(img, { config: true }), await theirs(['inspect', '--config', img]), format)
      assert.equal(
        await ours(img, { config: true, raw: true }),
        await theirs(['inspect', '--config', '--raw', img]),
        format,
      )
      assert.equal(await ours(img, { raw: true }), await theirs(['inspect', '--raw', img]), format)
    }
    const s1 = JSON.parse(await ours(`dir:${join(dir, 'v2s1')}`)) as {
      LayersData: Array<{ Size: number; MIMEType: string }>
    }
    assert.ok(s1.LayersData.every((l) => l.Size === -1 && l.MIMEType === ''))
  })
})

test('Name is the repository of a docker-archive reference', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    await writeOciImage(layout, 't', smallImage('n'))
    const tar = join(dir, 'a.tar')
    await theirs(['copy', '-q', `oci:${layout}:t`, `docker-archive:${tar}:example.com/foo:bar`])
    for (const img of [`docker-archive:${tar}`, `docker-archive:${tar}:example.com/foo:bar`]) {
      assert.equal(await ours(img, { layersData: false }), await theirs(['inspect', img]))
    }
  })
})

test('a config whose bytes do not match its digest is an error', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    const built = await writeOciImage(layout, 't', smallImage('c'))
    const path = join(layout, 'blobs', 'sha256', built.configDigest.slice(7))
    const bytes = await readFile(path)
    bytes[bytes.length - 2] = 0x20 // same size, different content
    await writeFile(path, bytes)
    await assert.rejects(ours(`oci:${layout}:t`), (e: unknown) => e instanceof DigestMismatchError)
    await assert.rejects(
      ours(`oci:${layout}:t`, { config: true, raw: true }),
      (e: unknown) => e instanceof DigestMismatchError,
    )
    assert.ok((await readdir(layout)).includes('index.json'))
  })
})

test('an index instance whose manifest does not match the index digest is an error', async () => {
  await withTempDir(async (dir) => {
    const layout = join(dir, 'oci')
    const built = await writeOciIndex(layout, 'm', [smallImage('x')])
    const path = join(layout, 'blobs', 'sha256', built.images[0]!.manifestDigest.slice(7))
    const bytes = await readFile(path)
    await writeFile(path, Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from(' }')]))
    await assert.rejects(
      ours(`oci:${layout}:m`, { platform: { architecture: 'amd64', os: 'linux' } }),
      (e: unknown) => e instanceof DigestMismatchError,
    )
  })
})
