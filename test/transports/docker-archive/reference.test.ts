import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidReferenceError, SkiffError } from '../../../src/errors.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { dockerArchiveTransport } from '../../../src/transports/docker-archive/transport.js'
import { sha256 } from '../../helpers/fixtures.js'

describe('docker-archive references', () => {
  it('splits PATH at the first colon and normalizes the docker reference with :latest', () => {
    const r = dockerArchiveTransport.parseReference('/tmp/a.tar:busybox')
    assert.equal(r.path, '/tmp/a.tar')
    assert.equal(r.dockerReference()?.toString(), 'docker.io/library/busybox:latest')
    assert.equal(r.stringWithinTransport(), '/tmp/a.tar:docker.io/library/busybox:latest')
    assert.equal(r.toString(), 'docker-archive:/tmp/a.tar:docker.io/library/busybox:latest')
    const t = dockerArchiveTransport.parseReference('a.tar:localhost:5000/x/y:v2')
    assert.equal(t.path, 'a.tar')
    assert.equal(t.dockerReference()?.toString(), 'localhost:5000/x/y:v2')
    // The string form parses back to the same reference.
    assert.equal(dockerArchiveTransport.parseReference(t.stringWithinTransport()).toString(), t.toString())
  })

  it('accepts PATH alone and PATH:@N', () => {
    const p = dockerArchiveTransport.parseReference('x.tar')
    assert.equal(p.dockerReference(), undefined)
    assert.equal(p.sourceIndex, -1)
    assert.equal(p.toString(), 'docker-archive:x.tar')
    const n = dockerArchiveTransport.parseReference('x.tar:@3')
    assert.equal(n.sourceIndex, 3)
    assert.equal(n.dockerReference(), undefined)
    assert.equal(n.toString(), 'docker-archive:x.tar:@3')
    assert.equal(parseImageName('docker-archive:x.tar:@3').toString(), 'docker-archive:x.tar:@3')
  })

  it('rejects digests, bad indexes, bad names and an empty path', () => {
    for (const bad of [
      `x.tar:busybox@${sha256('a')}`,
      `x.tar:busybox:1@${sha256('a')}`,
      'x.tar:@',
      'x.tar:@-1',
      'x.tar:@1x',
      'x.tar:UPPER',
      '',
      ':busybox',
      'x.tar:',
    ]) {
      assert.throws(() => dockerArchiveTransport.parseReference(bad), InvalidReferenceError, bad)
    }
    assert.throws(() => dockerArchiveTransport.parseReference(`x.tar:busybox@${sha256('a')}`), /digest/)
  })

  it('has no policy identity beyond the transport default, as containers/image', () => {
    const r = dockerArchiveTransport.parseReference('x.tar:busybox')
    assert.equal(r.policyConfigurationIdentity(), '')
    assert.deepEqual(r.policyConfigurationNamespaces(), [])
    dockerArchiveTransport.validatePolicyScope('')
    assert.throws(
      () => dockerArchiveTransport.validatePolicyScope('/tmp/x.tar'),
      (e: SkiffError) => e.code === 'ERR_POLICY_INVALID',
    )
  })

  it('refuses deletion', async () => {
    await assert.rejects(
      dockerArchiveTransport.parseReference('x.tar').deleteImage(),
      (e: SkiffError) => e.code === 'ERR_UNSUPPORTED',
    )
  })
})
