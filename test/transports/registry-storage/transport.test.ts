/** `registry-storage:ROOT:NAME[:TAG|@DIGEST]`: parsing, formatting, policy identities. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { parseImageName, listTransports } from '../../../src/transports/registry.js'
import {
  registryStorageRef,
  registryStorageTransport,
  RegistryStorageReference,
} from '../../../src/transports/registry-storage/index.js'

const D = `sha256:${'a'.repeat(64)}`

test('parses ROOT:NAME[:TAG|@DIGEST]; ROOT ends at the first colon; no tag means latest', () => {
  assert.ok(listTransports().includes('registry-storage'))
  const cases: [string, string, string, { tag?: string; digest?: string }][] = [
    ['/srv/reg:library/app:v1', '/srv/reg', 'library/app', { tag: 'v1' }],
    ['/srv/reg:app', '/srv/reg', 'app', { tag: 'latest' }],
    [`/srv/reg:a/b/c@${D}`, '/srv/reg', 'a/b/c', { digest: D }],
    ['rel/dir:x.y_z-w:1.0-rc_1', 'rel/dir', 'x.y_z-w', { tag: '1.0-rc_1' }],
  ]
  for (const [details, root, name, sel] of cases) {
    const ref = parseImageName(`registry-storage:${details}`) as RegistryStorageReference
    assert.equal(ref.root, root)
    assert.equal(ref.name, name)
    assert.deepEqual({ ...ref.sel }, sel)
    assert.equal(ref.dockerReference(), undefined)
    const again = parseImageName(ref.toString()) as RegistryStorageReference
    assert.equal(again.toString(), ref.toString())
  }
  assert.equal(parseImageName('registry-storage:/srv/reg:app').toString(), 'registry-storage:/srv/reg:app:latest')
})

test('bad references are InvalidReference with a hint', () => {
  for (const [s, msg] of [
    ['registry-storage:', /expected registry-storage:ROOT:NAME/],
    ['registry-storage:/srv/reg', /expected registry-storage:ROOT:NAME/],
    ['registry-storage::app', /expected registry-storage:ROOT:NAME/],
    ['registry-storage:/srv/reg:', /a repository name is required/],
    ['registry-storage:/srv/reg:App', /invalid repository name "App"/],
    ['registry-storage:/srv/reg:../etc', /invalid repository name/],
    ['registry-storage:/srv/reg:a//b', /invalid repository name/],
    ['registry-storage:/srv/reg:app:bad tag', /invalid tag/],
    ['registry-storage:/srv/reg:app@sha256:xyz', /not a valid digest/],
    [`registry-storage:/srv/reg:app:v1@${D}`, /either :TAG or @DIGEST/],
  ] as const) {
    assert.throws(
      () => parseImageName(s),
      (e: any) => e.code === 'ERR_INVALID_REFERENCE' && msg.test(e.message),
      s,
    )
  }
})

test('policy identity is ROOT:NAME:TAG; namespaces are the repository, its parents, then the root and its parents', () => {
  const root = realpathSync(tmpdir())
  const ref = registryStorageRef(`${root}/store`, 'team/apps/web', 'v2')
  assert.equal(ref.toString(), `registry-storage:${root}/store:team/apps/web:v2`)
  assert.equal(ref.policyConfigurationIdentity(), `${root}/store:team/apps/web:v2`)
  const ns = ref.policyConfigurationNamespaces()
  assert.deepEqual(ns.slice(0, 4), [
    `${root}/store:team/apps/web`,
    `${root}/store:team/apps`,
    `${root}/store:team`,
    `${root}/store`,
  ])
  assert.equal(ns.at(-1), `/${root.split('/')[1]}`)
  assert.equal(registryStorageRef('/s', 'a', D).policyConfigurationIdentity(), `/s:a@${D}`)
  assert.equal(registryStorageRef('/s', 'a').toString(), 'registry-storage:/s:a:latest')
  assert.throws(() => registryStorageRef('/s', 'a:b', 'c'), /must not hold a tag/)
  assert.throws(() => registryStorageRef('/s:x', 'a', 'c'), /without ':'/)

  registryStorageTransport.validatePolicyScope('/srv/reg')
  registryStorageTransport.validatePolicyScope('/srv/reg:library/app')
  registryStorageTransport.validatePolicyScope('/srv/reg:library/app:v1')
  assert.throws(() => registryStorageTransport.validatePolicyScope('srv/reg'), /absolute/)
  assert.throws(() => registryStorageTransport.validatePolicyScope('/srv/reg/:app'), /canonical/)
  assert.throws(() => registryStorageTransport.validatePolicyScope('/srv/reg:App'), /invalid policy scope/)
})
