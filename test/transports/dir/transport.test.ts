import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { dirTransport } from '../../../src/transports/dir/transport.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { withTempDir } from '../../helpers/tools.js'

test('dir: references keep the path as typed and resolve it for policy', async () => {
  await withTempDir(async (tmp) => {
    await mkdir(join(tmp, 'real'))
    await symlink(join(tmp, 'real'), join(tmp, 'link'))
    const ref = parseImageName(`dir:${tmp}/link/./img/`)
    assert.equal(ref.transport.name, 'dir')
    assert.equal(ref.stringWithinTransport(), `${tmp}/link/./img/`)
    assert.equal(ref.toString(), `dir:${tmp}/link/./img/`)
    assert.equal(ref.dockerReference(), undefined)
    assert.equal(ref.policyConfigurationIdentity(), `${tmp}/real/img`)
    const ns = ref.policyConfigurationNamespaces()
    assert.equal(ns[0], `${tmp}/real`)
    assert.equal(ns[1], tmp)
    assert.ok(!ns.includes('/'))
    assert.ok(ns.every((n, i) => i === 0 || ns[i - 1]!.startsWith(n + '/')))
  })
})

test('dir: relative paths are made absolute for policy', () => {
  const ref = dirTransport.parseReference('some/rel')
  assert.equal(ref.policyConfigurationIdentity(), join(process.cwd(), 'some/rel'))
})

test('dir: an empty path is an invalid reference', () => {
  assert.throws(() => dirTransport.parseReference(''), { code: 'ERR_INVALID_REFERENCE' })
})

test('dir: policy scopes must be absolute, canonical and not /', () => {
  dirTransport.validatePolicyScope('/srv/images')
  for (const bad of ['relative/x', '/', '/srv/../etc', '/srv/./x', '/srv/x/', '//srv']) {
    assert.throws(() => dirTransport.validatePolicyScope(bad), { code: 'ERR_INVALID_REFERENCE' }, bad)
  }
})
