import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ImageNotFoundError, ManifestTypeRejectedError } from '../../src/errors.js'
import { registryErrorFrom } from '../../src/registry/errors.js'

const ctx = {
  image: 'docker://r.example/a:1',
  what: 'reading manifest 1',
  notFound: 'image' as const,
  registry: 'r.example',
}
const body = (code: string, message = 'm') => JSON.stringify({ errors: [{ code, message }] })

describe('registryErrorFrom', () => {
  it('maps registry error codes to stable SkiffError codes with the image in the message', () => {
    const nf = registryErrorFrom(404, body('MANIFEST_UNKNOWN', 'manifest unknown'), ctx)
    assert.ok(nf instanceof ImageNotFoundError)
    assert.equal(nf.exitCode, 2)
    assert.match(
      nf.message,
      /^docker:\/\/r\.example\/a:1: reading manifest 1: image not found \(MANIFEST_UNKNOWN: manifest unknown\)$/,
    )
    assert.ok(registryErrorFrom(404, body('NAME_UNKNOWN'), { ...ctx, notFound: 'other' }) instanceof ImageNotFoundError)
    assert.equal(registryErrorFrom(401, body('UNAUTHORIZED'), ctx).code, 'ERR_UNAUTHORIZED')
    assert.equal(registryErrorFrom(403, body('DENIED'), ctx).code, 'ERR_UNAUTHORIZED')
    assert.equal(registryErrorFrom(429, body('TOOMANYREQUESTS'), ctx).code, 'ERR_TOO_MANY_REQUESTS')
    assert.equal(registryErrorFrom(404, body('BLOB_UNKNOWN'), ctx).code, 'ERR_REGISTRY')
    assert.equal(registryErrorFrom(405, body('UNSUPPORTED'), ctx).code, 'ERR_UNSUPPORTED')
    assert.ok(registryErrorFrom(415, '', ctx) instanceof ManifestTypeRejectedError)
    const e = registryErrorFrom(502, '<html>bad gateway</html>', { ...ctx, notFound: 'other' })
    assert.equal(e.code, 'ERR_REGISTRY')
    assert.match(e.message, /HTTP 502: <html>bad gateway<\/html>/)
    assert.equal((e as unknown as { retryable: boolean }).retryable, true)
  })
})
