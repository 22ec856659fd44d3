import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidReferenceError, SkiffError } from '../../../src/errors.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { dockerDaemonTransport } from '../../../src/transports/docker-daemon/transport.js'

const ID = `sha256:${'ab'.repeat(32)}`

describe('docker-daemon: references', () => {
  it('parses NAME:TAG and NAME@DIGEST, normalized, shown in the familiar form', () => {
    const r = dockerDaemonTransport.parseReference('busybox:1.36')
    assert.equal(r.toString(), 'docker-daemon:busybox:1.36')
    assert.equal(r.dockerReference()?.toString(), 'docker.io/library/busybox:1.36')
    assert.equal(r.id, undefined)
    const d = dockerDaemonTransport.parseReference(`example.com/app@${ID}`)
    assert.equal(d.stringWithinTransport(), `example.com/app@${ID}`)
    assert.equal(
      parseImageName('docker-daemon:example.com:5000/a/b:v1').toString(),
      'docker-daemon:example.com:5000/a/b:v1',
    )
  })

  it('parses sha256:ID as an image ID without a Docker reference', () => {
    const r = dockerDaemonTransport.parseReference(ID)
    assert.equal(r.id, ID)
    assert.equal(r.dockerReference(), undefined)
    assert.equal(r.toString(), `docker-daemon:${ID}`)
  })

  it('refuses what containers/image refuses, with clear messages', () => {
    const bad: [string, RegExp][] = [
      ['busybox', /neither a tag nor a digest.*busybox:latest/],
      ['example.com/app', /neither a tag nor a digest/],
      [`sha512:${'cd'.repeat(64)}`, /only digest algorithm sha256/],
      ['sha256:abc', /sha256 repository name is reserved/],
      [`busybox:1@${ID}`, /both a tag and a digest/],
      ['Upper:case', /lowercase/],
      ['', /expected docker-daemon:NAME:TAG/],
      ['ab'.repeat(32), /64-byte hexadecimal/],
    ]
    for (const [s, re] of bad) {
      assert.throws(
        () => dockerDaemonTransport.parseReference(s),
        (e: unknown) => e instanceof InvalidReferenceError && re.test((e as Error).message),
        s,
      )
    }
  })

  it('has only the default policy scope, as containers/image', () => {
    const r = dockerDaemonTransport.parseReference('busybox:latest')
    assert.equal(r.policyConfigurationIdentity(), '')
    assert.deepEqual(r.policyConfigurationNamespaces(), [])
    dockerDaemonTransport.validatePolicyScope('')
    assert.throws(
      () => dockerDaemonTransport.validatePolicyScope('docker.io/library/busybox'),
      /only|except the default/,
    )
  })

  it('refuses image IDs and digests as destinations, and deleting', async () => {
    for (const s of [ID, `busybox@${ID}`]) {
      await assert.rejects(
        dockerDaemonTransport
          .parseReference(s)
          .newImageDestination({ registry: { daemonHost: 'unix:///nonexistent/d.sock' } }),
        (e: unknown) => e instanceof InvalidReferenceError && /must be NAME:TAG/.test((e as Error).message),
      )
    }
    await assert.rejects(
      dockerDaemonTransport.parseReference('busybox:latest').deleteImage!(),
      (e: unknown) => e instanceof SkiffError && e.code === 'ERR_UNSUPPORTED',
    )
  })
})
