/**
 * The containers-storage tests one driver runs (vfs.test.ts, overlay.test.ts): one store and one
 * docker-registry per file, a two-layer image whose second layer whites out a file of the first,
 * podman 4.3 and skopeo 1.9.3 as the oracles, in both directions.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { extract } from 'tar-stream'
import { getRawConfig, getRawManifest } from '../../../src/index.js'
import { makeTestStore, mountsBelow, type TestStore } from '../../helpers/containers-storage.js'
import { buildImage, sha256, writeOciImage, type BuiltImage, type ImageSpec } from '../../helpers/fixtures.js'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { copy } from '../../helpers/skiff.js'
import { skopeo } from '../../helpers/tools.js'

/** Layer 2 deletes hello.txt of layer 1 (a whiteout) and adds a file. */
export function whiteoutImage(flavor: 'oci' | 'docker'): ImageSpec {
  return {
    flavor,
    layers: [
      { files: { 'hello.txt': 'hello\n', 'keep.txt': 'kept\n' } },
      { files: { '.wh.hello.txt': '', 'added.txt': 'added\n' } },
    ],
    labels: { 'org.example.flavor': flavor },
  }
}

/** Writes `img` as skopeo's dir: layout (an OCI layout may not hold Docker manifests for skopeo). */
async function writeDirImage(dir: string, img: BuiltImage): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'version'), 'Directory Transport Version: 1.1\n')
  await writeFile(join(dir, 'manifest.json'), img.manifest)
  await writeFile(join(dir, img.configDigest.slice(7)), img.config)
  for (const l of img.layers) await writeFile(join(dir, l.digest.slice(7)), l.bytes)
}

export async function tarNames(tar: Buffer): Promise<string[]> {
  const names: string[] = []
  const x = extract()
  const done = new Promise<void>((resolve, reject) => {
    x.on('entry', (h, stream, next) => {
      names.push(h.name)
      stream.on('end', next)
      stream.resume()
    })
    x.on('finish', resolve)
    x.on('error', reject)
  })
  x.end(tar)
  await done
  return names
}

interface Config {
  rootfs: { diff_ids: string[] }
}

async function skopeoConfig(image: string, ...flags: string[]): Promise<{ digest: string; config: Config }> {
  const r = await skopeo(['inspect', '--config', '--raw', ...flags, image])
  assert.equal(r.code, 0, r.stderr)
  return { digest: sha256(r.stdout), config: JSON.parse(r.stdout) as Config }
}

/**
 * `driverOnly`: only the tests where the driver's own code matters (applying layers with whiteouts,
 * reading them back, a layer exported and applied again); the rest is the same for every driver
 * and runs with vfs.
 */
export function storeSuite(driver: 'vfs' | 'overlay', { driverOnly = false } = {}): void {
  const every = (name: string, fn: () => Promise<void>): void => {
    if (!driverOnly) it(name, fn)
  }
  describe(`containers-storage (${driver}) against podman 4.3 and skopeo 1.9.3`, { timeout: 240_000 }, () => {
    let store: TestStore
    let registry: Registry
    let oci: BuiltImage
    let docker: BuiltImage
    const layout = (): string => join(store.dir, 'layout')
    const dockerDir = (): string => join(store.dir, 'docker-dir')
    const noTls = { registry: { tlsVerify: false } }

    before(async () => {
      store = await makeTestStore(driver)
      registry = await startRegistry()
      oci = await writeOciImage(layout(), 'oci', whiteoutImage('oci'))
      docker = await buildImage(whiteoutImage('docker'))
      await writeDirImage(dockerDir(), docker)
      // The image podman pulls: Docker schema2 in the registry, as most registries serve.
      const r = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        `dir:${dockerDir()}`,
        `docker://${registry.host}/src/img:v1`,
      ])
      assert.equal(r.code, 0, r.stderr)
    })

    after(async () => {
      await registry?.close()
      await store?.close()
      if (store) assert.deepEqual(mountsBelow(store.dir), [], 'every mount below the test dir is gone')
    })

    it('skiff writes: podman lists it by name with the config digest as ID, the same manifest digest and diff IDs; podman save has the same diff IDs; skopeo reads the same bytes', async () => {
      const name = 'localhost/written:v1'
      await copy(`oci:${layout()}:oci`, store.ref(name))

      const images = await store.podman(['images', '--format', 'json'])
      assert.equal(images.code, 0, images.stderr)
      const listed = (JSON.parse(images.stdout) as { Id: string; Names?: string[] }[]).find((i) =>
        i.Names?.includes(name),
      )
      assert.ok(listed, `podman images lists ${name}: ${images.stdout}`)
      assert.equal(listed.Id, oci.configDigest.slice(7))

      const insp = await store.podman(['image', 'inspect', name])
      assert.equal(insp.code, 0, insp.stderr)
      const info = JSON.parse(insp.stdout)[0] as { Digest: string; RootFS: { Layers: string[] } }
      assert.equal(info.Digest, oci.manifestDigest)
      assert.deepEqual(
        info.RootFS.Layers,
        oci.layers.map((l) => l.diffID),
      )

      const saved = join(store.dir, 'saved.tar')
      const save = await store.podman(['save', '--format', 'docker-archive', '-o', saved, name])
      assert.equal(save.code, 0, save.stderr)
      const savedConfig = await skopeoConfig(`docker-archive:${saved}`)
      assert.deepEqual(
        savedConfig.config.rootfs.diff_ids,
        oci.layers.map((l) => l.diffID),
      )

      // The manifest is kept byte for byte (containers/image keeps it as stored).
      const raw = await skopeo(['inspect', '--raw', store.ref(name)])
      assert.equal(raw.code, 0, raw.stderr)
      assert.equal(raw.stdout, oci.manifest.toString('utf8'))
      assert.equal((await skopeoConfig(store.ref(name))).digest, oci.configDigest)

      // The layers podman would run: the whiteout hides hello.txt of the first layer.
      const mount = await store.podman(['image', 'mount', name])
      assert.equal(mount.code, 0, mount.stderr)
      try {
        const root = mount.stdout.trim()
        assert.deepEqual((await readdir(root)).sort(), ['added.txt', 'keep.txt'])
        assert.equal(await readFile(join(root, 'added.txt'), 'utf8'), 'added\n')
      } finally {
        const u = await store.podman(['image', 'unmount', name])
        assert.equal(u.code, 0, u.stderr)
      }
    })

    every('a second copy of the same image reuses every layer and changes nothing', async () => {
      const before = await store.cs(['layers', '--json'])
      const r = await copy(`oci:${layout()}:oci`, store.ref('localhost/written:v2'))
      assert.ok(r)
      const afterLayers = await store.cs(['layers', '--json'])
      assert.equal(afterLayers.stdout, before.stdout, 'no layer was added or changed')
      const names = await store.cs(['get-names', oci.configDigest.slice(7)])
      assert.match(names.stdout, /localhost\/written:v1/)
      assert.match(names.stdout, /localhost\/written:v2/)
    })

    it('podman pulls from a registry; skiff reads it as skopeo does and copies it to the registry with the same config and diff IDs', async () => {
      const pulled = `${registry.host}/src/img:v1`
      const pull = await store.podman(['pull', '-q', '--tls-verify=false', `docker://${pulled}`])
      assert.equal(pull.code, 0, pull.stderr)

      const raw = await getRawManifest(store.ref(pulled))
      const sraw = await skopeo(['inspect', '--raw', store.ref(pulled)])
      assert.equal(sraw.code, 0, sraw.stderr)
      assert.equal(raw.toString('utf8'), sraw.stdout)
      assert.equal(raw.toString('utf8'), docker.manifest.toString('utf8'), 'podman kept the registry manifest')
      assert.equal(sha256(await getRawConfig(store.ref(pulled))), docker.configDigest)

      await copy(store.ref(pulled), `docker://${registry.host}/out/skiff:v1`, { destination: noTls })
      const s = await skopeo([
        'copy',
        '--dest-tls-verify=false',
        store.ref(pulled),
        `docker://${registry.host}/out/skopeo:v1`,
      ])
      assert.equal(s.code, 0, s.stderr)
      const ours = await skopeoConfig(`docker://${registry.host}/out/skiff:v1`, '--tls-verify=false')
      const theirs = await skopeoConfig(`docker://${registry.host}/out/skopeo:v1`, '--tls-verify=false')
      assert.equal(ours.digest, theirs.digest)
      assert.equal(ours.digest, docker.configDigest)
      assert.deepEqual(
        ours.config.rootfs.diff_ids,
        docker.layers.map((l) => l.diffID),
      )
      // Both recompressed the uncompressed layers the store serves: the manifests name gzip layers.
      const m = JSON.parse(
        (await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/out/skiff:v1`])).stdout,
      ) as { layers: { mediaType: string }[] }
      assert.deepEqual(
        m.layers.map((l) => l.mediaType),
        ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
      )
    })

    it('docker:// → containers-storage: → oci-archive: keeps the config, the diff IDs and the whiteout', async () => {
      const name = store.ref('localhost/roundtrip:v1')
      await copy(`docker://${registry.host}/src/img:v1`, name, { source: noTls })
      const archive = join(store.dir, 'rt.tar')
      await copy(name, `oci-archive:${archive}`)
      const skopeoArchive = join(store.dir, 'rt-skopeo.tar')
      const s = await skopeo(['copy', name, `oci-archive:${skopeoArchive}`])
      assert.equal(s.code, 0, s.stderr)

      const ours = await skopeoConfig(`oci-archive:${archive}`)
      const theirs = await skopeoConfig(`oci-archive:${skopeoArchive}`)
      assert.equal(ours.digest, theirs.digest, 'the same OCI config as skopeo converts to')
      assert.deepEqual(
        ours.config.rootfs.diff_ids,
        docker.layers.map((l) => l.diffID),
      )

      const dir = join(store.dir, 'rt-dir')
      const d = await skopeo(['copy', `oci-archive:${archive}`, `dir:${dir}`])
      assert.equal(d.code, 0, d.stderr)
      const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] }
      const second = await readFile(join(dir, m.layers[1]!.digest.slice(7)))
      assert.deepEqual((await tarNames(gunzipSync(second))).sort(), ['.wh.hello.txt', 'added.txt'])
    })

    every('inspect --raw of an image written from a local layout gives the layout manifest', async () => {
      const name = store.ref('localhost/docker-flavour:v1')
      await copy(`dir:${dockerDir()}`, name)
      assert.equal((await getRawManifest(name)).toString('utf8'), docker.manifest.toString('utf8'))
      // …and by image ID (containers-storage:@ID), and by a truncated ID
      const byId = await getRawManifest(`containers-storage:${store.spec}@${docker.configDigest.slice(7)}`)
      assert.equal(byId.toString('utf8'), docker.manifest.toString('utf8'))
      const byPrefix = await getRawManifest(`containers-storage:${store.spec}${docker.configDigest.slice(7, 19)}`)
      assert.equal(byPrefix.toString('utf8'), docker.manifest.toString('utf8'))
      // the program the store is driven through really is what skiff ran: its own view agrees
      const cs = execFileSync('containers-storage', [
        '--storage-driver',
        driver,
        '--graph',
        store.graphRoot,
        '--run',
        store.runRoot,
        'get-image-data',
        docker.configDigest.slice(7),
        `manifest-${docker.manifestDigest}`,
      ])
      assert.equal(cs.toString('utf8'), docker.manifest.toString('utf8'))
    })

    every(
      'an image stored with uncompressed layers comes out unchanged: the same manifest bytes, as skopeo',
      async () => {
        const plain = join(store.dir, 'plain-layout')
        const spec = whiteoutImage('oci')
        const img = await writeOciImage(plain, 'v1', {
          ...spec,
          layers: spec.layers.map((l) => ({ ...l, compression: 'none' as const })),
        })
        const name = store.ref('localhost/plain:v1')
        await copy(`oci:${plain}:v1`, name)
        const out = join(store.dir, 'plain-out')
        await copy(name, `dir:${out}`)
        assert.equal(await readFile(join(out, 'manifest.json'), 'utf8'), img.manifest.toString('utf8'))
        const theirs = join(store.dir, 'plain-skopeo')
        const s = await skopeo(['copy', name, `dir:${theirs}`])
        assert.equal(s.code, 0, s.stderr)
        assert.equal(await readFile(join(theirs, 'manifest.json'), 'utf8'), img.manifest.toString('utf8'))
      },
    )

    it('a layer the store holds on another parent is stored again under its new chain ID', async () => {
      const mixed = join(store.dir, 'mixed-layout')
      const first = whiteoutImage('oci').layers[0]!
      const img = await writeOciImage(mixed, 'v1', { layers: [{ files: { 'base.txt': 'base\n' } }, first] })
      // the second layer's blob is already in the store, as the base of the whiteout image
      assert.equal(img.layers[1]!.digest, oci.layers[0]!.digest)
      const name = 'localhost/mixed:v1'
      await copy(`oci:${mixed}:v1`, store.ref(name))
      const insp = await store.podman(['image', 'inspect', name])
      assert.equal(insp.code, 0, insp.stderr)
      assert.deepEqual(
        (JSON.parse(insp.stdout)[0] as { RootFS: { Layers: string[] } }).RootFS.Layers,
        img.layers.map((l) => l.diffID),
      )
      const mount = await store.podman(['image', 'mount', name])
      assert.equal(mount.code, 0, mount.stderr)
      try {
        assert.deepEqual((await readdir(mount.stdout.trim())).sort(), ['base.txt', 'hello.txt', 'keep.txt'])
      } finally {
        assert.equal((await store.podman(['image', 'unmount', name])).code, 0)
      }
    })
  })
}
