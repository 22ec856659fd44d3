/**
 * Inputs as strict as skopeo's: a manifest labelled Docker schema2 whose layers carry OCI media
 * types is refused ("unsupported docker v2s2 media type"), not converted, by inspect and copy from
 * dir: and from a registry; nothing is written. skopeo side by side. (docker://UPPER/case is in
 * network-errors.test.ts.)
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { skopeo, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`
const V2S2 = 'application/vnd.docker.distribution.manifest.v2+json'

async function writeMixed(
  dir: string,
  layerType: string,
): Promise<{ manifest: Buffer; config: Buffer; layer: Buffer }> {
  await mkdir(dir, { recursive: true })
  const tar = Buffer.alloc(1024)
  const layer = gzipSync(tar)
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sha(tar)] },
    }),
  )
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: V2S2,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: layerType, digest: sha(layer), size: layer.length }],
    }),
  )
  await writeFile(join(dir, 'version'), 'Directory Transport Version: 1.1\n')
  await writeFile(join(dir, 'manifest.json'), manifest)
  await writeFile(join(dir, sha(config).slice(7)), config)
  await writeFile(join(dir, sha(layer).slice(7)), layer)
  return { manifest, config, layer }
}

const MSG = /unsupported docker v2s2 media type: "application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip"/
/** skopeo's log line escapes the quotes */
const SKOPEO_MSG = /unsupported docker v2s2 media type: \\?"application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip\\?"/

describe('Docker schema2 with OCI layer types', () => {
  let reg: Registry
  before(async () => {
    reg = await startRegistry()
  })
  after(() => reg?.close())

  it('dir: inspect and copy refuse it as skopeo does; nothing is written; Docker layer types are fine', async () => {
    await withTempDir(async (tmp) => {
      const src = join(tmp, 'mixed')
      await writeMixed(src, 'application/vnd.oci.image.layer.v1.tar+gzip')
      const ins = await skiff(['inspect', `dir:${src}`])
      assert.equal(ins.code, 1, ins.stderr)
      assert.match(ins.stderr, MSG)
      const sk = await skopeo(['inspect', `dir:${src}`])
      assert.equal(sk.code, 1)
      assert.match(sk.stderr, SKOPEO_MSG)
      for (const dest of [`dir:${join(tmp, 'out-dir')}`, `oci:${join(tmp, 'out-oci')}:x`]) {
        const cp = await skiff(['--insecure-policy', 'copy', `dir:${src}`, dest])
        assert.equal(cp.code, 1, cp.stderr)
        assert.match(cp.stderr, MSG)
        assert.equal(cp.stderr.split('\n').filter((l) => l.startsWith('skiff: ')).length, 1, cp.stderr)
      }
      assert.ok(
        !existsSync(join(tmp, 'out-dir', 'manifest.json')) && !existsSync(join(tmp, 'out-oci', 'index.json')),
        'nothing written',
      )
      const skc = await skopeo(['copy', '--insecure-policy', `dir:${src}`, `oci:${join(tmp, 'sk')}:x`])
      assert.equal(skc.code, 1)
      assert.match(skc.stderr, SKOPEO_MSG)
      // the raw manifest can still be read, as with skopeo
      const raw = await skiff(['inspect', '--raw', `dir:${src}`])
      assert.equal(raw.code, 0, raw.stderr)
      const ok = join(tmp, 'ok')
      await writeMixed(ok, 'application/vnd.docker.image.rootfs.diff.tar.gzip')
      assert.equal((await skiff(['inspect', `dir:${ok}`])).code, 0)
    })
  })

  it('from a registry: copy refuses it', async () => {
    await withTempDir(async (tmp) => {
      const src = join(tmp, 'mixed')
      const { manifest, config, layer } = await writeMixed(src, 'application/vnd.oci.image.layer.v1.tar+gzip')
      // put it into the registry by hand (skiff and skopeo both refuse to copy it)
      for (const blob of [config, layer]) {
        const post = await fetch(`${reg.url}/v2/mixed/blobs/uploads/`, { method: 'POST' })
        const loc = new URL(post.headers.get('location')!, reg.url)
        loc.searchParams.set('digest', sha(blob))
        const put = await fetch(loc, {
          method: 'PUT',
          body: new Uint8Array(blob),
          headers: { 'content-type': 'application/octet-stream' },
        })
        assert.equal(put.status, 201)
      }
      const put = await fetch(`${reg.url}/v2/mixed/manifests/1`, {
        method: 'PUT',
        body: new Uint8Array(manifest),
        headers: { 'content-type': V2S2 },
      })
      assert.equal(put.status, 201, await put.text())
      const cp = await skiff([
        '--insecure-policy',
        'copy',
        '--src-tls-verify=false',
        `docker://${reg.host}/mixed:1`,
        `dir:${join(tmp, 'out')}`,
      ])
      assert.equal(cp.code, 1, cp.stderr)
      assert.match(cp.stderr, MSG)
      const sk = await skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/mixed:1`])
      assert.equal(sk.code, 1)
      assert.match(sk.stderr, SKOPEO_MSG)
    })
  })
})
