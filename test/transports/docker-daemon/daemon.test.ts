/**
 * docker-daemon: against a real dockerd (one per file: it takes seconds to start), with the docker
 * CLI and skopeo as oracles. Both directions, image IDs, errors, abort without commit, and TLS over
 * TCP (the same daemon also listens on 127.0.0.1 with --tlsverify).
 */
import assert from 'node:assert/strict'
import { copyFile, mkdtemp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { ImageNotFoundError, SkiffError } from '../../../src/errors.js'
import { parseImageName } from '../../../src/transports/registry.js'
import type { TransportOptions } from '../../../src/transports/types.js'
import { startDockerd, type Dockerd } from '../../helpers/dockerd.js'
import { buildImage, sha256, smallImage, writeOciImage, type BuiltImage } from '../../helpers/fixtures.js'
import { createCa, issueCert } from '../../helpers/registry/pki.js'
import { freePort } from '../../helpers/registry/ports.js'
import { copy, readJson } from '../../helpers/skiff.js'
import { run, skopeo } from '../../helpers/tools.js'
import { skiff } from '../../cli/run-skiff.js'

let d: Dockerd
let work: string
let tlsPort: number
let clientCerts: string

/** The config digest and DiffIDs of the image an oci: layout holds under `tag`. */
async function ociImage(layout: string): Promise<{ configDigest: string; diffIDs: string[] }> {
  const index = await readJson(join(layout, 'index.json'))
  const m = await readJson(join(layout, 'blobs', 'sha256', index.manifests[0].digest.slice(7)))
  const config = await readFile(join(layout, 'blobs', 'sha256', m.config.digest.slice(7)))
  return { configDigest: sha256(config), diffIDs: JSON.parse(config.toString('utf8')).rootfs.diff_ids }
}

async function inspectDaemon(name: string): Promise<{ Id: string; RepoTags: string[]; RootFS: { Layers: string[] } }> {
  const r = await d.docker(['image', 'inspect', name])
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout)[0]
}

async function rawManifest(image: string, opts: TransportOptions): Promise<Buffer> {
  const src = await parseImageName(image).newImageSource(opts)
  try {
    return (await src.getManifest()).bytes
  } finally {
    await src.close()
  }
}

const src = (): { source: TransportOptions } => ({ source: { registry: { daemonHost: d.host } } })
const dest = (): { destination: TransportOptions } => ({ destination: { registry: { daemonHost: d.host } } })

describe('docker-daemon: against a real dockerd', { timeout: 240_000 }, () => {
  let fixture: BuiltImage
  let loadedId: string

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'skiff-dd-test-'))
    const pki = join(work, 'pki')
    const ca = await createCa(pki)
    const server = await issueCert(ca, pki, 'server', 'server')
    const client = await issueCert(ca, pki, 'client', 'client')
    clientCerts = join(work, 'client-certs')
    await run('mkdir', ['-p', clientCerts])
    await copyFile(ca.certPath, join(clientCerts, 'ca.pem'))
    await copyFile(client.certPath, join(clientCerts, 'cert.pem'))
    await copyFile(client.keyPath, join(clientCerts, 'key.pem'))
    tlsPort = await freePort()
    d = await startDockerd({
      tcpTls: { port: tlsPort, caPath: ca.certPath, certPath: server.certPath, keyPath: server.keyPath },
    })
    fixture = await writeOciImage(join(work, 'fixture'), 'v1', smallImage('daemon'))
  })

  after(async () => {
    await d?.close()
    if (work) await run('rm', ['-rf', work])
  })

  it('writes an image (oci → docker-daemon:NAME:TAG) that docker inspects with the same config and DiffIDs', async () => {
    await copy(`oci:${join(work, 'fixture')}:v1`, 'docker-daemon:example.com/app:v1', dest())
    const info = await inspectDaemon('example.com/app:v1')
    assert.equal(info.Id, fixture.configDigest)
    assert.deepEqual(
      info.RootFS.Layers,
      fixture.layers.map((l) => l.diffID),
    )
    assert.ok(info.RepoTags.includes('example.com/app:v1'), JSON.stringify(info.RepoTags))
  })

  it('`docker save` of the written image is what skiff reads back from the daemon', async () => {
    const saved = join(work, 'saved.tar')
    const r = await d.docker(['save', '-o', saved, 'example.com/app:v1'])
    assert.equal(r.code, 0, r.stderr)
    const fromSave = await rawManifest(`docker-archive:${saved}`, {})
    const fromDaemon = await rawManifest('docker-daemon:example.com/app:v1', src().source)
    assert.deepEqual(fromDaemon, fromSave)
    const m = JSON.parse(fromDaemon.toString('utf8'))
    assert.equal(m.config.digest, fixture.configDigest)
    assert.deepEqual(
      m.layers.map((l: { digest: string }) => l.digest),
      fixture.layers.map((l) => l.diffID),
    )
  })

  it('streams known-size layers straight into the load (docker-archive made by skopeo → daemon)', async () => {
    const archive = join(work, 'skopeo.tar')
    const s = await skopeo([
      'copy',
      `oci:${join(work, 'fixture')}:v1`,
      `docker-archive:${archive}:example.com/loaded:v2`,
    ])
    assert.equal(s.code, 0, s.stderr)
    await copy(`docker-archive:${archive}`, 'docker-daemon:example.com/streamed:v3', dest())
    assert.equal((await inspectDaemon('example.com/streamed:v3')).Id, fixture.configDigest)
  })

  it('reads an image loaded with `docker load`, by NAME:TAG and by image ID, into oci:', async () => {
    const archive = join(work, 'skopeo.tar')
    const l = await d.docker(['load', '-i', archive])
    assert.equal(l.code, 0, l.stderr)
    const info = await inspectDaemon('example.com/loaded:v2')
    loadedId = info.Id
    for (const [name, out] of [
      ['docker-daemon:example.com/loaded:v2', 'by-name'],
      [`docker-daemon:${loadedId}`, 'by-id'],
    ] as const) {
      const layout = join(work, out)
      await copy(name, `oci:${layout}:x`, src())
      const got = await ociImage(layout)
      assert.equal(got.configDigest, fixture.configDigest, name)
      assert.equal(got.configDigest, loadedId)
      assert.deepEqual(got.diffIDs, info.RootFS.Layers)
    }
  })

  it('agrees with skopeo reading the same image from the daemon (raw manifest, config, layers)', async () => {
    const name = 'docker-daemon:example.com/loaded:v2'
    const raw = await skopeo(['inspect', '--raw', '--daemon-host', d.host, name])
    assert.equal(raw.code, 0, raw.stderr)
    assert.equal((await rawManifest(name, src().source)).toString('utf8'), raw.stdout)
    const ins = await skopeo(['inspect', '--daemon-host', d.host, name])
    assert.equal(ins.code, 0, ins.stderr)
    const j = JSON.parse(ins.stdout)
    assert.deepEqual(
      j.Layers,
      fixture.layers.map((x) => x.diffID),
    )
    const cfg = await skopeo(['inspect', '--config', '--raw', '--daemon-host', d.host, name])
    assert.equal(sha256(cfg.stdout), fixture.configDigest)
    // And skopeo reads what skiff wrote.
    const w = await skopeo(['inspect', '--raw', '--daemon-host', d.host, 'docker-daemon:example.com/app:v1'])
    assert.equal(w.code, 0, w.stderr)
    assert.equal(JSON.parse(w.stdout).config.digest, fixture.configDigest)
  })

  it('a missing image is ImageNotFoundError (exit 2), by name and by ID, in the library and the CLI', async () => {
    for (const name of ['docker-daemon:example.com/nope:v1', `docker-daemon:sha256:${'0'.repeat(64)}`]) {
      await assert.rejects(
        parseImageName(name).newImageSource(src().source),
        (e: unknown) => e instanceof ImageNotFoundError && e.exitCode === 2 && e.message.includes(name),
        name,
      )
    }
    const r = await skiff(['inspect', '--daemon-host', d.host, 'docker-daemon:example.com/nope:v1'])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /no such image/)
  })

  it('a daemon that is not there gives a clear message on both sides (option terms in the library, flags in the CLI)', async () => {
    const gone = `unix://${join(work, 'no-daemon.sock')}`
    const re = (flag: string): RegExp =>
      new RegExp(
        `cannot connect to the Docker daemon at ${gone.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}; is dockerd running\\? \\(use ${flag} / DOCKER_HOST\\)`,
      )
    await assert.rejects(
      parseImageName('docker-daemon:a/b:c').newImageSource({ registry: { daemonHost: gone } }),
      (e: unknown) =>
        e instanceof SkiffError &&
        re('`source.registry.daemonHost`').test(e.message) &&
        e.options?.[0]?.side === 'source',
    )
    await assert.rejects(
      parseImageName('docker-daemon:a/b:c').newImageDestination({ registry: { daemonHost: gone } }),
      (e: unknown) => e instanceof SkiffError && re('`destination.registry.daemonHost`').test(e.message),
    )
    const r = await skiff([
      'copy',
      '--insecure-policy',
      '--dest-daemon-host',
      gone,
      `oci:${join(work, 'fixture')}:v1`,
      'docker-daemon:a/b:c',
    ])
    assert.equal(r.code, 1)
    assert.match(r.stderr, re('--dest-daemon-host'))
  })

  it('closing a destination without commit loads nothing', async () => {
    const img = await buildImage({
      ...smallImage('aborted'),
      flavor: 'docker',
      layers: smallImage('aborted').layers.map((l) => ({ ...l, compression: 'none' as const })),
    })
    const destination = await parseImageName('docker-daemon:example.com/aborted:v1').newImageDestination(
      dest().destination,
    )
    const l = img.layers[0]!
    await destination.putBlob(
      Readable.from([l.bytes]),
      { digest: l.digest, size: l.size },
      { expectedDigest: l.digest },
    )
    await destination.close()
    const r = await d.docker(['image', 'inspect', 'example.com/aborted:v1'])
    assert.notEqual(r.code, 0)
    const images = await d.docker(['image', 'ls', '-q', '--no-trunc'])
    assert.ok(!images.stdout.includes(img.configDigest))
    // The daemon is fine afterwards.
    assert.equal((await inspectDaemon('example.com/app:v1')).Id, fixture.configDigest)
  })

  it('a load the daemon rejects fails commit with its message, and nothing is tagged', async () => {
    const img = await buildImage({
      ...smallImage('bad'),
      flavor: 'docker',
      layers: [{ files: { 'bad.txt': 'bad\n' }, compression: 'none' }],
    })
    const l = img.layers[0]!
    // A config whose DiffID does not match the layer: the daemon refuses it after receiving the tar.
    const cfg = JSON.parse(img.config.toString('utf8'))
    cfg.rootfs.diff_ids = [sha256('something else')]
    const config = Buffer.from(JSON.stringify(cfg))
    const manifest = Buffer.from(
      JSON.stringify({
        ...JSON.parse(img.manifest.toString('utf8')),
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          digest: sha256(config),
          size: config.length,
        },
      }),
    )
    const destination = await parseImageName('docker-daemon:example.com/bad:v1').newImageDestination(dest().destination)
    try {
      await destination.putBlob(
        Readable.from([l.bytes]),
        { digest: l.digest, size: l.size },
        { expectedDigest: l.digest },
      )
      await destination.putBlob(
        Readable.from([config]),
        { digest: sha256(config), size: config.length },
        { isConfig: true },
      )
      await destination.putManifest(manifest, img.mediaType)
      await assert.rejects(
        destination.commit(),
        (e: unknown) =>
          e instanceof SkiffError &&
          /docker-daemon:example.com\/bad:v1: the Docker daemon at unix:\S+ failed to load the image: \S/.test(
            e.message,
          ),
      )
    } finally {
      await destination.close()
    }
    assert.notEqual((await d.docker(['image', 'inspect', 'example.com/bad:v1'])).code, 0)
  })

  it('talks TLS over tcp:// with client certificates (--cert-dir, or DOCKER_TLS_VERIFY + DOCKER_CERT_PATH)', async () => {
    const tcp = `tcp://127.0.0.1:${tlsPort}`
    await copy(`oci:${join(work, 'fixture')}:v1`, 'docker-daemon:example.com/tls:v1', {
      destination: { registry: { daemonHost: tcp, certDir: clientCerts } },
    })
    assert.equal((await inspectDaemon('example.com/tls:v1')).Id, fixture.configDigest)
    const r = await skiff(['inspect', '--config', '--raw', 'docker-daemon:example.com/tls:v1'], {
      env: { DOCKER_HOST: tcp, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: clientCerts },
    })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(sha256(r.stdout), fixture.configDigest)
    // Without a client certificate the daemon refuses the handshake: a clear TLS error, not a hang.
    const caOnly = join(work, 'ca-only')
    await run('mkdir', ['-p', caOnly])
    await copyFile(join(clientCerts, 'ca.pem'), join(caOnly, 'ca.pem'))
    await assert.rejects(
      parseImageName('docker-daemon:example.com/tls:v1').newImageSource({
        registry: { daemonHost: tcp, certDir: caOnly },
      }),
      (e: unknown) =>
        e instanceof SkiffError &&
        e.code === 'ERR_TLS' &&
        /TLS error talking to the Docker daemon at tcp:\/\/127\.0\.0\.1:\d+: .*bad certificate/.test(e.message),
    )
  })
})
