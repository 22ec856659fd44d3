import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  guessMediaType,
  manifestDigest,
  parseManifest,
  resolveMediaType,
  schema1Payload,
} from '../../src/manifest/parse.js'
import { MT } from '../../src/manifest/media-types.js'
import { digestOf } from '../../src/digest/digest.js'
import { SkiffError } from '../../src/errors.js'

const d = (c: string): string => 'sha256:' + c.repeat(64)
const oci = {
  schemaVersion: 2,
  mediaType: MT.OCI_MANIFEST,
  config: { mediaType: MT.OCI_CONFIG, digest: d('a'), size: 10 },
  layers: [{ mediaType: MT.OCI_LAYER_GZIP, digest: d('b'), size: 20 }],
}
const docker = {
  schemaVersion: 2,
  mediaType: MT.DOCKER_V2S2,
  config: { mediaType: MT.DOCKER_CONFIG, digest: d('a'), size: 10 },
  layers: [],
}

test('guesses media types from the bytes', () => {
  const b = (o: unknown): Buffer => Buffer.from(JSON.stringify(o))
  assert.equal(guessMediaType(b(oci)), MT.OCI_MANIFEST)
  assert.equal(guessMediaType(b({ ...oci, mediaType: undefined })), MT.OCI_MANIFEST)
  assert.equal(guessMediaType(b({ ...docker, mediaType: undefined })), MT.DOCKER_V2S2)
  assert.equal(guessMediaType(b({ schemaVersion: 2, manifests: [] })), MT.OCI_INDEX)
  assert.equal(guessMediaType(b({ schemaVersion: 1, fsLayers: [] })), MT.DOCKER_V2S1)
  assert.equal(guessMediaType(b({ schemaVersion: 1, fsLayers: [], signatures: [] })), MT.DOCKER_V2S1_SIGNED)
  assert.equal(guessMediaType(Buffer.from('not json')), '')
  assert.equal(resolveMediaType(b(oci), 'application/json'), MT.OCI_MANIFEST)
  assert.equal(resolveMediaType(b(oci), `${MT.OCI_MANIFEST}; charset=utf-8`), MT.OCI_MANIFEST)
})

test('parses image manifests and lists', () => {
  const m = parseManifest(Buffer.from(JSON.stringify(oci)), '')
  assert.equal(m.kind, 'image')
  if (m.kind !== 'image') return
  assert.equal(m.layers[0]!.digest, d('b'))
  const list = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MT.DOCKER_LIST,
        manifests: [
          {
            mediaType: MT.DOCKER_V2S2,
            digest: d('c'),
            size: 5,
            platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
          },
        ],
      }),
    ),
    MT.DOCKER_LIST,
  )
  assert.equal(list.kind, 'list')
  if (list.kind === 'list')
    assert.deepEqual(list.manifests[0]!.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' })
})

test('rejects invalid manifests with clear errors', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['not json', '', /not JSON/],
    ['[]', MT.OCI_MANIFEST, /not a JSON object/],
    [JSON.stringify({ ...oci, layers: [{ digest: 'sha256:zz', size: 1 }] }), '', /invalid digest/],
    [JSON.stringify({ ...oci, config: { digest: d('a'), size: 'x' } }), '', /invalid size/],
    [JSON.stringify({ ...oci, schemaVersion: 3 }), '', /schemaVersion/],
    [JSON.stringify(oci), MT.DOCKER_V2S2, /does not match/],
    [JSON.stringify({ schemaVersion: 2, mediaType: 'application/x-weird' }), '', /unsupported manifest media type/],
    [JSON.stringify({ schemaVersion: 1, fsLayers: [{ blobSum: d('a') }], history: [] }), '', /differ in length/],
  ]
  for (const [bytes, mt, re] of bad) {
    assert.throws(
      () => parseManifest(Buffer.from(bytes), mt, 'dir:/x'),
      (e: unknown) => e instanceof SkiffError && re.test((e as Error).message),
      bytes,
    )
  }
})

test('schema1: digest is computed over the payload with the JWS signature removed', () => {
  const payload =
    '{\n   "schemaVersion": 1,\n   "name": "library/x",\n   "tag": "latest",\n   "architecture": "amd64",\n   "fsLayers": [\n      {\n         "blobSum": "' +
    d('a') +
    '"\n      }\n   ],\n   "history": [\n      {\n         "v1Compatibility": "{\\"id\\":\\"x\\"}"\n      }\n   ]\n}'
  const formatLength = payload.lastIndexOf('\n}')
  const tail = payload.slice(formatLength)
  const prot = Buffer.from(
    JSON.stringify({ formatLength, formatTail: Buffer.from(tail).toString('base64url'), time: '2020-01-01T00:00:00Z' }),
  ).toString('base64url')
  const signed =
    payload.slice(0, formatLength) +
    `,\n   "signatures": [\n      {\n         "header": {"alg": "ES256"},\n         "signature": "abc",\n         "protected": "${prot}"\n      }\n   ]` +
    tail
  assert.equal(schema1Payload(Buffer.from(signed)).toString(), payload)
  assert.equal(manifestDigest(Buffer.from(signed)), digestOf(payload))
  assert.equal(manifestDigest(Buffer.from(payload)), digestOf(payload))
  const m = parseManifest(Buffer.from(signed), '')
  assert.equal(m.kind, 'schema1')
  if (m.kind === 'schema1') assert.equal(m.signed, true)
})

test('Go JSON: maps sort byte-wise (integer-like keys too), structs keep field order, HTML escaped', async () => {
  const { goMarshal, goMarshalIndent } = await import('../../src/go/json.js')
  const { goMap: sortedMap } = await import('../../src/go/values.js')
  assert.equal(
    goMarshal({ b: 1, a: sortedMap({ '9': 'x', '10': 'y', b: '<&>', A: null }) }),
    '{"b":1,"a":{"10":"y","9":"x","A":null,"b":"\\u003c\\u0026\\u003e"}}',
  )
  assert.equal(
    goMarshalIndent({ a: [1], e: [], m: sortedMap({}) }),
    '{\n    "a": [\n        1\n    ],\n    "e": [],\n    "m": {}\n}',
  )
})
