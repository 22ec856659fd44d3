import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { ociLayoutTransport, parseLayoutDetails } from '../../../src/transports/oci-layout/transport.js'
import { isValidRefName } from '../../../src/transports/oci-layout/layout.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { withTempDir } from '../../helpers/tools.js'

test('oci: the path ends at the first colon; the rest is the ref name', () => {
  assert.deepEqual(parseLayoutDetails('oci', '/srv/layout:v1'), {
    path: '/srv/layout',
    sel: { refName: 'v1', sourceIndex: -1 },
  })
  assert.deepEqual(parseLayoutDetails('oci', '/srv/layout'), {
    path: '/srv/layout',
    sel: { refName: '', sourceIndex: -1 },
  })
  assert.deepEqual(parseLayoutDetails('oci', 'rel:example.com/app:1.0'), {
    path: 'rel',
    sel: { refName: 'example.com/app:1.0', sourceIndex: -1 },
  })
  assert.deepEqual(parseLayoutDetails('oci', '/l:@1'), { path: '/l', sel: { refName: '', sourceIndex: 1 } })
  assert.deepEqual(parseLayoutDetails('oci', '/l:@01'), { path: '/l', sel: { refName: '', sourceIndex: 1 } })
  assert.deepEqual(parseLayoutDetails('oci', '/l:'), { path: '/l', sel: { refName: '', sourceIndex: -1 } })
})

test('oci: invalid ref names and @N forms are rejected', () => {
  for (const bad of [
    '/l:-lead',
    '/l:trail.',
    '/l:a..b',
    '/l:a b',
    '/l:@',
    '/l:@-1',
    '/l:@x',
    ':tag',
    '/l:a//b',
    '/l:/a',
  ]) {
    assert.throws(() => ociLayoutTransport.parseReference(bad), { code: 'ERR_INVALID_REFERENCE' }, bad)
  }
})

test('oci: ref-name grammar of the image-spec', () => {
  for (const ok of ['latest', 'v1.0', 'a--b', 'a_b', 'a+b', 'a@b', 'registry.example:5000/app:1', 'A9'])
    assert.ok(isValidRefName(ok), ok)
  for (const bad of ['', '.a', 'a.', 'a---b', 'a/', 'ä']) assert.ok(!isValidRefName(bad), bad)
})

test('oci: string forms round-trip', () => {
  for (const s of ['oci:/srv/l:v1', 'oci:/srv/l', 'oci:/srv/l:@3']) {
    const ref = parseImageName(s)
    assert.equal(ref.toString(), s)
    assert.equal(ociLayoutTransport.parseReference(ref.stringWithinTransport()).toString(), s)
    assert.equal(ref.dockerReference(), undefined)
  }
})

test('oci: policy identity is the resolved layout folder (as skopeo), namespaces it and its parents', async () => {
  await withTempDir(async (tmp) => {
    await mkdir(join(tmp, 'real'))
    await symlink(join(tmp, 'real'), join(tmp, 'link'))
    const ref = parseImageName(`oci:${tmp}/link/lay:tag`)
    assert.equal(ref.policyConfigurationIdentity(), `${tmp}/real/lay`)
    const ns = ref.policyConfigurationNamespaces()
    assert.deepEqual(ns.slice(0, 3), [`${tmp}/real/lay`, `${tmp}/real`, tmp])
    assert.ok(!ns.includes('/'))
  })
})

test('oci: policy scopes must be absolute, canonical and not /', () => {
  ociLayoutTransport.validatePolicyScope('/srv/layout')
  for (const bad of ['rel', '/', '/a/../b', '/a/'])
    assert.throws(() => ociLayoutTransport.validatePolicyScope(bad), { code: 'ERR_INVALID_REFERENCE' })
})
