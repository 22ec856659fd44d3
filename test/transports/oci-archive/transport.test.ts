import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseImageName } from '../../../src/transports/registry.js'
import { ociArchiveTransport } from '../../../src/transports/oci-archive/transport.js'

test('oci-archive: references, policy identity and scopes', () => {
  const ref = parseImageName('oci-archive:/srv/img.tar:v1')
  assert.equal(ref.toString(), 'oci-archive:/srv/img.tar:v1')
  assert.equal(ref.policyConfigurationIdentity(), '/srv/img.tar')
  assert.deepEqual(ref.policyConfigurationNamespaces(), ['/srv/img.tar', '/srv'])
  assert.equal(ref.dockerReference(), undefined)
  assert.throws(() => parseImageName('oci-archive:/srv/img.tar:bad..ref'), { code: 'ERR_INVALID_REFERENCE' })
  assert.throws(() => ociArchiveTransport.validatePolicyScope('relative.tar'), { code: 'ERR_INVALID_REFERENCE' })
})
