/**
 * docker: ImageReference.storedManifest on a real registry: HEAD only (never a manifest GET), the
 * digest from Docker-Content-Digest, 'pull' through registries.conf mirrors first while 'push'
 * asks the named registry, and a ResourceHolder keeping the client (one ping for many queries).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage, type BuiltImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { dockerTransport } from '../../../src/transports/docker/transport.js'
import type { ResourceHolder, TransportOptions } from '../../../src/transports/types.js'
import { insecure, insecureCopy, isolateCache } from './helpers.js'
import { newContext } from '../../../src/registry/context.js'

let reg: Registry
let mirror: Registry
let img: BuiltImage
let restoreCache: () => void

before(async () => {
  restoreCache = isolateCache()
  reg = await startRegistry()
  mirror = await startRegistry()
  await withTempDir(async (t) => {
    img = await writeOciImage(join(t, 'layout'), 'v1', smallImage('docker-stored'))
    await copy(`oci:${join(t, 'layout')}:v1`, `docker://${reg.host}/ns/app:v1`, insecureCopy)
    await copy(`oci:${join(t, 'layout')}:v1`, `docker://${mirror.host}/ns/mirrored:v1`, insecureCopy)
  })
})

after(async () => {
  await reg?.close()
  await mirror?.close()
  restoreCache?.()
})

const ref = (s: string) => dockerTransport.parseReference(`//${s}`)
const since = (r: Registry, n: number) => r.requests().slice(n)

test('docker: storedManifest is a HEAD of the tag or digest, with the registry’s digest and media type', async () => {
  const n = reg.requests().length
  const want = { digest: img.manifestDigest, mediaType: 'application/vnd.oci.image.manifest.v1+json' }
  assert.deepEqual(await ref(`${reg.host}/ns/app:v1`).storedManifest!(insecure, { role: 'push' }), want)
  assert.deepEqual(await ref(`${reg.host}/ns/app:v1`).storedManifest!(insecure, { role: 'pull' }), want)
  assert.deepEqual(
    await ref(`${reg.host}/ns/app@${img.manifestDigest}`).storedManifest!(insecure, { role: 'pull' }),
    want,
  )
  assert.equal(await ref(`${reg.host}/ns/app:v2`).storedManifest!(insecure, { role: 'push' }), undefined)
  assert.equal(await ref(`${reg.host}/ns/none:v1`).storedManifest!(insecure, { role: 'pull' }), undefined)
  const manifests = since(reg, n).filter((e) => e.path.includes('/manifests/'))
  assert.deepEqual(
    manifests.map((e) => `${e.method} ${e.path}`),
    [
      'HEAD /v2/ns/app/manifests/v1',
      'HEAD /v2/ns/app/manifests/v1',
      `HEAD /v2/ns/app/manifests/${img.manifestDigest}`,
      'HEAD /v2/ns/app/manifests/v2',
      'HEAD /v2/ns/none/manifests/v1',
    ],
  )
})

test('docker: an unreachable registry throws (the caller decides), it is not "absent"', async () => {
  await assert.rejects(ref('127.0.0.1:1/ns/app:v1').storedManifest!(insecure, { role: 'push' }))
})

test("docker: 'pull' asks the registries.conf mirror first, 'push' only the named registry", () =>
  withTempDir(async (t) => {
    const conf = join(t, 'registries.conf')
    await writeFile(
      conf,
      `[[registry]]\nlocation = "${reg.host}"\ninsecure = true\n[[registry.mirror]]\nlocation = "${mirror.host}/ns"\ninsecure = true\n`,
    )
    // the mirror holds ns/mirrored at mirror/ns/mirrored; the named registry does not have ns/mirrored
    const opts: TransportOptions = { registry: { tlsVerify: false, registriesConfPath: conf } }
    const r = ref(`${reg.host}/mirrored:v1`)
    assert.equal((await r.storedManifest!(opts, { role: 'pull' }))?.digest, img.manifestDigest)
    assert.equal(await r.storedManifest!(opts, { role: 'push' }), undefined)
  }))

test('docker: a ResourceHolder keeps the client, so later queries reuse its ping; without one each query pings', async () => {
  const pings = (n: number) => since(reg, n).filter((e) => e.method === 'GET' && e.path === '/v2/').length
  const kept: (() => Promise<void>)[] = []
  const holder: ResourceHolder = {
    keep(_resource, release) {
      if (kept.length) return false
      kept.push(release)
      return true
    },
  }
  // one context for every query, as a sync has (without one, each query would get a fresh pool)
  const opts: TransportOptions = { ...insecure, context: newContext() }
  let n = reg.requests().length
  for (let i = 0; i < 3; i++)
    assert.ok(await ref(`${reg.host}/ns/app:v1`).storedManifest!(opts, { role: 'push', holder }))
  assert.equal(kept.length, 1)
  assert.equal(pings(n), 1, 'one ping while the holder keeps the client')
  await kept[0]!()
  n = reg.requests().length
  for (let i = 0; i < 2; i++) assert.ok(await ref(`${reg.host}/ns/app:v1`).storedManifest!(opts, { role: 'push' }))
  assert.equal(pings(n), 2, 'released after each query without a holder')
})
