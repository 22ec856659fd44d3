import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidReferenceError } from '../../../src/errors.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { dockerTransport } from '../../../src/transports/docker/transport.js'

describe('docker:// references', () => {
  it('normalizes as skopeo: docker.io, library/, :latest', () => {
    const r = parseImageName('docker://busybox')
    assert.equal(r.toString(), 'docker://busybox:latest')
    assert.equal(r.dockerReference()!.toString(), 'docker.io/library/busybox:latest')
    assert.equal(r.policyConfigurationIdentity(), 'docker.io/library/busybox:latest')
    assert.equal(
      parseImageName('docker://quay.io/a/b@sha256:' + 'a'.repeat(64)).policyConfigurationIdentity(),
      `quay.io/a/b@sha256:${'a'.repeat(64)}`,
    )
  })
  it('lists policy namespaces as containers/image (repo, parents, host:port, *.domain)', () => {
    assert.deepEqual(parseImageName('docker://reg.example.com:5000/ns/sub/app:1').policyConfigurationNamespaces(), [
      'reg.example.com:5000/ns/sub/app',
      'reg.example.com:5000/ns/sub',
      'reg.example.com:5000/ns',
      'reg.example.com:5000',
      '*.example.com',
      '*.com',
    ])
    assert.deepEqual(parseImageName('docker://busybox').policyConfigurationNamespaces(), [
      'docker.io/library/busybox',
      'docker.io/library',
      'docker.io',
      '*.io',
    ])
  })
  it('refuses a missing //, a tag with a digest, and invalid names', () => {
    assert.throws(() => parseImageName('docker:busybox'), InvalidReferenceError)
    assert.throws(() => parseImageName(`docker://a/b:1@sha256:${'a'.repeat(64)}`), InvalidReferenceError)
    assert.throws(() => parseImageName('docker://example.com/Upper'), InvalidReferenceError)
  })
  it('supports @@unknown-digest@@ destinations (identity is the repository)', () => {
    const r = parseImageName('docker://host:5000/repo@@unknown-digest@@')
    assert.equal(r.toString(), 'docker://host:5000/repo@@unknown-digest@@')
    assert.equal(r.policyConfigurationIdentity(), 'host:5000/repo')
    assert.deepEqual(r.policyConfigurationNamespaces(), ['host:5000'])
    assert.throws(() => parseImageName('docker://host:5000/repo:tag@@unknown-digest@@'), InvalidReferenceError)
  })
  it('accepts any policy scope string (as containers/image)', () => {
    dockerTransport.validatePolicyScope('docker.io/library/busybox')
    dockerTransport.validatePolicyScope('*.example.com')
  })
})
