/** SyncSource docker on a real registry: one image, or every tag of a repository; SyncDestination docker. */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startRegistry, type Registry } from '../../helpers/registry/index.js'
import { smallImage, writeOciImage, type BuiltImage } from '../../helpers/fixtures.js'
import { copy } from '../../helpers/skiff.js'
import { withTempDir } from '../../helpers/tools.js'
import { dockerDestination, dockerSource } from '../../../src/sync/sources/docker.js'
import type { TransportOptions } from '../../../src/transports/types.js'
import { isolateCache } from '../../transports/docker/helpers.js'
import { collect, plain } from './helpers.js'

const insecure: TransportOptions = { registry: { tlsVerify: false } }
let reg: Registry
let img: BuiltImage
let restoreCache: () => void

before(async () => {
  restoreCache = isolateCache()
  reg = await startRegistry()
  await withTempDir(async (t) => {
    img = await writeOciImage(join(t, 'layout'), 'v1', smallImage('docker-src'))
    for (const tag of ['v2', 'v1'])
      await copy(`oci:${join(t, 'layout')}:v1`, `docker://${reg.host}/ns/app:${tag}`, { destination: insecure })
  })
})

after(async () => {
  await reg?.close()
  restoreCache?.()
})

test('docker source: a repository gives every tag the registry lists', async () => {
  const { items } = await collect(dockerSource, { kind: 'docker', input: `${reg.host}/ns/app`, options: insecure })
  const group = `${reg.host}/ns/app`
  assert.deepEqual(items.map(plain), [
    { source: `docker://${group}:v1`, suffix: { scoped: `${group}:v1`, path: 'ns/app:v1' }, tag: 'v1', group },
    { source: `docker://${group}:v2`, suffix: { scoped: `${group}:v2`, path: 'ns/app:v2' }, tag: 'v2', group },
  ])
})

test('docker source: a tag or a digest is that one image, without listing tags', async () => {
  const n = reg.requests().length
  const byTag = await collect(dockerSource, { kind: 'docker', input: `${reg.host}/ns/app:v2`, options: insecure })
  assert.deepEqual(
    byTag.items.map((i) => [i.source.toString(), i.tag]),
    [[`docker://${reg.host}/ns/app:v2`, 'v2']],
  )
  const byDigest = await collect(dockerSource, {
    kind: 'docker',
    input: `${reg.host}/ns/app@${img.manifestDigest}`,
    options: insecure,
  })
  assert.deepEqual(byDigest.items.map(plain), [
    {
      source: `docker://${reg.host}/ns/app@${img.manifestDigest}`,
      suffix: { scoped: `${reg.host}/ns/app@${img.manifestDigest}`, path: `ns/app@${img.manifestDigest}` },
      group: `${reg.host}/ns/app`,
    },
  ])
  assert.deepEqual(reg.requests().slice(n), [], 'the registry is not asked')
})

test('docker source: a repository the registry does not know, and a tag with a digest, fail', async () => {
  await assert.rejects(
    collect(dockerSource, { kind: 'docker', input: `${reg.host}/ns/none`, options: insecure }),
    (e: any) => e.message.startsWith(`Error determining repository tags for repo ${reg.host}/ns/none: `),
  )
  await assert.rejects(
    collect(dockerSource, { kind: 'docker', input: `${reg.host}/ns/app:v1@${img.manifestDigest}` }),
    { code: 'ERR_INVALID_REFERENCE' },
  )
  await assert.rejects(
    collect(dockerSource, { kind: 'docker', input: 'UPPER/case' }),
    (e: any) =>
      e.code === 'ERR_INVALID_REFERENCE' &&
      e.message.startsWith('Cannot obtain a valid image reference for transport "docker" and reference "UPPER/case": '),
  )
})

test('docker destination: DESTINATION joined with the suffix; an invalid name names both', () => {
  assert.equal(dockerDestination.keepsPath, false)
  const name = {
    target: 'reg.example/ns',
    suffix: 'app:1',
    appendSuffix: '-m',
    joined: 'reg.example/ns/app:1-m',
    label: 'app:1-m',
  }
  assert.equal(dockerDestination.reference(name).toString(), 'docker://reg.example/ns/app:1-m')
  assert.throws(
    () => dockerDestination.reference({ ...name, suffix: 'Bad:1', joined: 'reg.example/ns/Bad:1-m' }),
    (e: any) =>
      e.code === 'ERR_INVALID_REFERENCE' &&
      e.message.startsWith(
        'cannot name the destination docker://reg.example/ns/Bad:1-m (DESTINATION reg.example/ns + Bad:1-m)',
      ),
  )
})
