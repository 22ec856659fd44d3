/**
 * The sigstore payload: the exact bytes containers/image writes (json.Marshal of Go maps), and its
 * strict reading (signature/internal/sigstore_payload.go's rules).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { marshalSigstorePayload, parseSigstorePayload } from '../../../src/signature/sigstore/payload.js'
import { InvalidSignatureError } from '../../../src/signature/errors.js'

const D = `sha256:${'ab'.repeat(32)}`

test('the payload is written as Go marshals the maps: keys sorted, <>& escaped, timestamp an integer', () => {
  assert.equal(
    marshalSigstorePayload({
      dockerManifestDigest: D,
      dockerReference: 'example.com/a&b:<v1>',
      creator: 'skiff 0.1.0',
      timestamp: 1700000000,
    }).toString(),
    `{"critical":{"identity":{"docker-reference":"example.com/a\\u0026b:\\u003cv1\\u003e"},"image":{"docker-manifest-digest":"${D}"},"type":"cosign container image signature"},"optional":{"creator":"skiff 0.1.0","timestamp":1700000000}}`,
  )
  assert.equal(
    marshalSigstorePayload({ dockerManifestDigest: D, dockerReference: 'r:t' }).toString(),
    `{"critical":{"identity":{"docker-reference":"r:t"},"image":{"docker-manifest-digest":"${D}"},"type":"cosign container image signature"},"optional":{}}`,
  )
})

test('a payload reads back; cosign\'s "optional": null and unknown optional members are accepted', () => {
  const p = { dockerManifestDigest: D, dockerReference: 'example.com/a:b', creator: 'c', timestamp: 5 }
  assert.deepEqual(parseSigstorePayload(marshalSigstorePayload(p)), p)
  const critical = `{"identity":{"docker-reference":"x:y"},"image":{"docker-manifest-digest":"${D}"},"type":"cosign container image signature"}`
  assert.deepEqual(parseSigstorePayload(Buffer.from(`{"critical":${critical},"optional":null}`)), {
    dockerManifestDigest: D,
    dockerReference: 'x:y',
  })
  assert.deepEqual(parseSigstorePayload(Buffer.from(`{"optional":{"foo":[1],"timestamp":7},"critical":${critical}}`)), {
    dockerManifestDigest: D,
    dockerReference: 'x:y',
    timestamp: 7,
  })
})

test("malformed payloads are refused with containers/image's messages", () => {
  const crit = (over: Record<string, string>): string => {
    const parts: Record<string, string> = {
      type: '"cosign container image signature"',
      image: `{"docker-manifest-digest":"${D}"}`,
      identity: '{"docker-reference":"x:y"}',
      ...over,
    }
    return `{${Object.entries(parts)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `"${k}":${v}`)
      .join(',')}}`
  }
  const cases: Array<[string, string]> = [
    ['{}', 'Key "critical" missing in a JSON object'],
    [`{"critical":${crit({})},"optional":{},"extra":1}`, 'Unknown key "extra"'],
    [`{"critical":${crit({})},"optional":{},"optional":{}}`, 'Duplicate key "optional"'],
    [
      `{"critical":${crit({ type: '"atomic container signature"' })},"optional":{}}`,
      'Unrecognized signature type atomic container signature',
    ],
    [`{"critical":${crit({ identity: '' })},"optional":{}}`, 'Key "identity" missing in a JSON object'],
    [`{"critical":${crit({ more: '1' })},"optional":{}}`, 'Unknown key "more"'],
    [`{"critical":${crit({})},"optional":{"timestamp":1.5}}`, 'Field optional.timestamp is not an integer'],
    [`{"critical":${crit({})},"optional":{"creator":3}}`, 'json: cannot unmarshal number into Go value of type string'],
    [
      `{"critical":${crit({ image: '{"docker-manifest-digest":"sha256:abc"}' })},"optional":{}}`,
      'invalid docker-manifest-digest value "sha256:abc": invalid checksum digest length',
    ],
    [
      `{"critical":${crit({ image: '{"docker-manifest-digest":"md5:abc"}' })},"optional":{}}`,
      'invalid docker-manifest-digest value "md5:abc": unsupported digest algorithm',
    ],
    [
      `{"critical":${crit({ image: '{"docker-manifest-digest":"nocolon"}' })},"optional":{}}`,
      'invalid docker-manifest-digest value "nocolon": invalid checksum digest format',
    ],
    [`{"critical":[],"optional":{}}`, 'JSON object expected, got "["'],
    ['{"critical":', 'unexpected end of JSON input'],
  ]
  for (const [json, message] of cases) {
    assert.throws(
      () => parseSigstorePayload(Buffer.from(json)),
      (e: unknown) => e instanceof InvalidSignatureError && e.message === message,
      `${json} → ${message}`,
    )
  }
})
