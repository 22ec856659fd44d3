/**
 * parseManifest, guessMediaType, resolveMediaType and schema1Payload case by case, with the whole
 * result and the whole error message (found by mutation testing: each case kills a mutant that the
 * broader tests in parse.test.ts let through).
 */
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
import { MAX_MANIFEST_SIZE } from '../../src/util/limits.js'

const d = (c: string): string => 'sha256:' + c.repeat(64)
const b = (o: unknown): Buffer => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o))
const cfg = { mediaType: MT.OCI_CONFIG, digest: d('a'), size: 10 }
const layer = { mediaType: MT.OCI_LAYER_GZIP, digest: d('b'), size: 20 }
const oci = { schemaVersion: 2, mediaType: MT.OCI_MANIFEST, config: cfg, layers: [layer] }
const dockerCfg = { mediaType: MT.DOCKER_CONFIG, digest: d('a'), size: 10 }

/** Asserts that parsing fails with ERR_MANIFEST_INVALID and exactly `message`. */
function rejects(bytes: unknown, mt: string, what: string, message: string): void {
  assert.throws(
    () => parseManifest(b(bytes), mt, what),
    (e: unknown) => {
      assert.ok(e instanceof SkiffError)
      assert.equal(e.code, 'ERR_MANIFEST_INVALID')
      assert.equal(e.message, message)
      return true
    },
  )
}

test('guessMediaType: the mediaType field, else by schemaVersion and shape, else nothing', () => {
  assert.equal(guessMediaType(b({ mediaType: 'application/x-any' })), 'application/x-any')
  assert.equal(guessMediaType(b({ mediaType: '', schemaVersion: 2, manifests: [] })), MT.OCI_INDEX)
  assert.equal(guessMediaType(b({ mediaType: 5, schemaVersion: 2, manifests: [] })), MT.OCI_INDEX)
  assert.equal(guessMediaType(b({ schemaVersion: 1, signatures: {} })), MT.DOCKER_V2S1)
  assert.equal(guessMediaType(b({ schemaVersion: 2, config: dockerCfg })), MT.DOCKER_V2S2)
  assert.equal(guessMediaType(b({ schemaVersion: 2, config: {} })), MT.OCI_MANIFEST)
  assert.equal(guessMediaType(b({ schemaVersion: 2, config: 'x' })), '')
  assert.equal(guessMediaType(b({ schemaVersion: 2, config: null })), '')
  assert.equal(guessMediaType(b({ schemaVersion: 2 })), '')
  assert.equal(guessMediaType(b({ schemaVersion: 2, manifests: {} })), '')
  assert.equal(guessMediaType(b({ schemaVersion: 3, manifests: [] })), '')
  assert.equal(guessMediaType(b({ schemaVersion: '2', manifests: [] })), '')
  assert.equal(guessMediaType(b({ schemaVersion: '1', fsLayers: [] })), '')
  for (const notObject of ['[]', 'null', '"x"', '2']) assert.equal(guessMediaType(b(notObject)), '', notObject)
})

test('resolveMediaType: a real given type wins; generic or missing ones are guessed', () => {
  const docker = b({ schemaVersion: 2, config: dockerCfg, layers: [] })
  assert.equal(resolveMediaType(docker, undefined), MT.DOCKER_V2S2)
  assert.equal(resolveMediaType(docker, ''), MT.DOCKER_V2S2)
  for (const generic of [
    'text/plain',
    'application/json',
    'application/octet-stream',
    'text/plain; charset=utf-8',
    ' application/json ',
  ]) {
    assert.equal(resolveMediaType(docker, generic), MT.DOCKER_V2S2, generic)
  }
  assert.equal(resolveMediaType(docker, ` ${MT.OCI_MANIFEST} `), MT.OCI_MANIFEST)
  assert.equal(resolveMediaType(docker, `${MT.OCI_MANIFEST};charset=utf-8`), MT.OCI_MANIFEST)
  assert.equal(resolveMediaType(b('x'), 'text/html'), 'text/html')
})

test('parseManifest: an OCI image manifest, every optional field kept', () => {
  const subject = { mediaType: MT.OCI_MANIFEST, digest: d('c'), size: 30 }
  const full = {
    ...oci,
    artifactType: 'application/x-art',
    annotations: { a: '1' },
    subject,
    layers: [
      { ...layer, urls: ['https://x/1', 7, 'https://x/2'], annotations: { k: 'v' } },
      { digest: d('e'), size: -1 },
      { digest: d('f'), size: 0, urls: 'not-a-list', annotations: 'x' },
    ],
  }
  assert.deepEqual(parseManifest(b(full), ''), {
    kind: 'image',
    mediaType: MT.OCI_MANIFEST,
    config: cfg,
    layers: [
      { ...layer, urls: ['https://x/1', 'https://x/2'], annotations: { k: 'v' } },
      { digest: d('e'), size: -1 },
      { digest: d('f'), size: 0 },
    ],
    annotations: { a: '1' },
    subject,
    artifactType: 'application/x-art',
  })
  // nothing optional: no keys for it
  assert.deepEqual(parseManifest(b({ ...oci, annotations: 'x', subject: null, artifactType: 1 }), MT.OCI_MANIFEST), {
    kind: 'image',
    mediaType: MT.OCI_MANIFEST,
    config: cfg,
    layers: [layer],
  })
  assert.deepEqual(parseManifest(b({ ...oci, mediaType: '' }), MT.OCI_MANIFEST).mediaType, MT.OCI_MANIFEST)
})

test('parseManifest: a list, every optional field kept; platforms as given', () => {
  const subject = { mediaType: MT.OCI_MANIFEST, digest: d('c'), size: 30 }
  const index = {
    schemaVersion: 2,
    mediaType: MT.OCI_INDEX,
    artifactType: 'application/x-art',
    annotations: { a: '1' },
    subject,
    manifests: [
      {
        mediaType: MT.OCI_MANIFEST,
        digest: d('1'),
        size: 1,
        platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1', 'os.features': ['win32k'] },
      },
      { mediaType: MT.OCI_MANIFEST, digest: d('2'), size: 2, platform: { architecture: 'arm', variant: '' } },
      {
        mediaType: MT.OCI_MANIFEST,
        digest: d('3'),
        size: 3,
        platform: { os: 'linux', variant: 7, 'os.version': 1, 'os.features': 'x' },
      },
      { mediaType: MT.OCI_MANIFEST, digest: d('4'), size: 4, platform: 'linux/amd64' },
      { mediaType: MT.OCI_MANIFEST, digest: d('5'), size: 5 },
    ],
  }
  assert.deepEqual(parseManifest(b(index), ''), {
    kind: 'list',
    mediaType: MT.OCI_INDEX,
    manifests: [
      {
        mediaType: MT.OCI_MANIFEST,
        digest: d('1'),
        size: 1,
        platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1', 'os.features': ['win32k'] },
      },
      { mediaType: MT.OCI_MANIFEST, digest: d('2'), size: 2, platform: { os: '', architecture: 'arm' } },
      { mediaType: MT.OCI_MANIFEST, digest: d('3'), size: 3, platform: { os: 'linux', architecture: '' } },
      { mediaType: MT.OCI_MANIFEST, digest: d('4'), size: 4 },
      { mediaType: MT.OCI_MANIFEST, digest: d('5'), size: 5 },
    ],
    annotations: { a: '1' },
    subject,
    artifactType: 'application/x-art',
  })
  assert.deepEqual(
    parseManifest(
      b({ schemaVersion: 2, manifests: [], annotations: 'x', subject: 0, artifactType: null }),
      MT.DOCKER_LIST,
    ),
    {
      kind: 'list',
      mediaType: MT.DOCKER_LIST,
      manifests: [],
    },
  )
})

test('parseManifest: Docker schema2 takes Docker layer types only', () => {
  const layers = [
    MT.DOCKER_LAYER_GZIP,
    MT.DOCKER_LAYER_TAR,
    MT.DOCKER_LAYER_ZSTD,
    MT.DOCKER_FOREIGN_LAYER_GZIP,
    'application/vnd.docker.image.rootfs.foreign.diff.tar',
  ].map((mediaType, i) => ({ mediaType, digest: d(String(i)), size: i }))
  const m = { schemaVersion: 2, mediaType: MT.DOCKER_V2S2, config: dockerCfg, layers }
  assert.deepEqual(parseManifest(b(m), MT.DOCKER_V2S2), {
    kind: 'image',
    mediaType: MT.DOCKER_V2S2,
    config: dockerCfg,
    layers,
  })
  rejects(
    { ...m, layers: [...layers, layer] },
    '',
    'docker://x/y:1',
    `invalid manifest of docker://x/y:1: layers[5]: unsupported docker v2s2 media type: "${MT.OCI_LAYER_GZIP}"`,
  )
  rejects(
    { ...m, layers: [{ digest: d('1'), size: 1 }] },
    '',
    '',
    'invalid manifest: layers[0]: unsupported docker v2s2 media type: ""',
  )
  // OCI manifests take any layer type
  assert.equal(
    parseManifest(b({ ...oci, layers: [{ mediaType: 'application/x-blob', digest: d('1'), size: 1 }] }), '').kind,
    'image',
  )
})

test('parseManifest: the whole message of each refusal', () => {
  const w = 'dir:/x'
  const pre = `invalid manifest of ${w}: `
  rejects(
    '{"a":',
    '',
    w,
    `${pre}not JSON (${(() => {
      try {
        JSON.parse('{"a":')
      } catch (e) {
        return (e as Error).message
      }
    })()})`,
  )
  rejects('[1]', MT.OCI_MANIFEST, w, `${pre}not a JSON object`)
  rejects('null', MT.OCI_MANIFEST, w, `${pre}not a JSON object`)
  rejects('"s"', MT.OCI_MANIFEST, w, `${pre}not a JSON object`)
  rejects(
    oci,
    MT.DOCKER_V2S2,
    w,
    `${pre}media type ${MT.OCI_MANIFEST} in the manifest does not match ${MT.DOCKER_V2S2}`,
  )
  rejects({ ...oci, schemaVersion: 3 }, '', w, `${pre}unsupported schemaVersion 3`)
  rejects(
    { ...oci, schemaVersion: undefined },
    MT.OCI_MANIFEST,
    '',
    'invalid manifest: unsupported schemaVersion undefined',
  )
  rejects({ schemaVersion: 2, mediaType: MT.OCI_INDEX }, '', w, `${pre}a manifest list without "manifests"`)
  rejects(
    { schemaVersion: 2, mediaType: MT.OCI_INDEX, manifests: [{ digest: d('1'), size: 1 }, 'x'] },
    '',
    w,
    `${pre}manifests[1] is not a descriptor`,
  )
  rejects(
    { schemaVersion: 2, mediaType: MT.OCI_INDEX, manifests: [], subject: 'x' },
    '',
    w,
    `${pre}subject is not a descriptor`,
  )
  rejects(
    { schemaVersion: 2, mediaType: MT.OCI_MANIFEST, config: cfg },
    '',
    w,
    `${pre}an image manifest without "layers"`,
  )
  rejects({ ...oci, config: null }, '', w, `${pre}config is not a descriptor`)
  rejects({ ...oci, config: 5 }, '', w, `${pre}config is not a descriptor`)
  rejects({ ...oci, subject: { digest: 'x', size: 1 } }, '', w, `${pre}subject has an invalid digest "x"`)
  rejects({ ...oci, config: { size: 1 } }, '', w, `${pre}config has an invalid digest undefined`)
  rejects({ ...oci, layers: [layer, { digest: 5, size: 1 }] }, '', w, `${pre}layers[1] has an invalid digest 5`)
  rejects({ ...oci, layers: [{ digest: d('a'), size: -2 }] }, '', w, `${pre}layers[0] has an invalid size -2`)
  rejects({ ...oci, layers: [{ digest: d('a'), size: 1.5 }] }, '', w, `${pre}layers[0] has an invalid size 1.5`)
  rejects({ ...oci, layers: [{ digest: d('a'), size: '1' }] }, '', w, `${pre}layers[0] has an invalid size "1"`)
  rejects({ ...oci, layers: [{ digest: d('a') }] }, '', w, `${pre}layers[0] has an invalid size undefined`)
  assert.throws(
    () => parseManifest(b({ schemaVersion: 2, mediaType: 'application/x-weird' }), '', w),
    (e: unknown) =>
      e instanceof SkiffError &&
      e.code === 'ERR_MANIFEST_INVALID' &&
      e.message === 'unsupported manifest media type "application/x-weird" for dir:/x',
  )
  assert.throws(
    () => parseManifest(b({ schemaVersion: 2 }), ''),
    (e: unknown) => e instanceof SkiffError && e.message === 'unsupported manifest media type "(unknown)"',
  )
})

test('parseManifest: at most 4 MiB', () => {
  const big = Buffer.alloc(MAX_MANIFEST_SIZE + 1, 0x20)
  const limit = `reading manifest: exceeded maximum allowed size of ${MAX_MANIFEST_SIZE} bytes`
  assert.throws(
    () => parseManifest(big, MT.OCI_MANIFEST, 'dir:/x'),
    (e: unknown) => e instanceof SkiffError && e.code === 'ERR_MANIFEST_INVALID' && e.message === `dir:/x: ${limit}`,
  )
  assert.throws(
    () => parseManifest(big, MT.OCI_MANIFEST),
    (e: unknown) => e instanceof SkiffError && e.message === limit,
  )
  // exactly the limit is read (and then judged as JSON)
  const exact = Buffer.alloc(MAX_MANIFEST_SIZE, 0x20)
  const json = b(oci)
  json.copy(exact)
  assert.equal(parseManifest(exact, MT.OCI_MANIFEST).kind, 'image')
})

const fsLayers = [{ blobSum: d('a') }, { blobSum: d('b') }]
const history = [{ v1Compatibility: '{"id":"2"}' }, { v1Compatibility: '{"id":"1"}' }]
const s1 = { schemaVersion: 1, name: 'library/x', tag: 'latest', architecture: 'amd64', fsLayers, history }

test('parseManifest: schema1, fields and refusals', () => {
  assert.deepEqual(parseManifest(b(s1), ''), {
    kind: 'schema1',
    mediaType: MT.DOCKER_V2S1,
    name: 'library/x',
    tag: 'latest',
    architecture: 'amd64',
    fsLayers,
    history,
    signed: false,
  })
  // a mediaType field does not have to match schema1 types; signatures make it the signed type
  assert.deepEqual(
    parseManifest(
      b({ schemaVersion: 1, mediaType: MT.OCI_MANIFEST, fsLayers, history, signatures: [] }),
      MT.DOCKER_V2S1,
    ),
    {
      kind: 'schema1',
      mediaType: MT.DOCKER_V2S1_SIGNED,
      name: '',
      tag: '',
      architecture: '',
      fsLayers,
      history,
      signed: true,
    },
  )
  const w = 'docker://x/y:1'
  const pre = `invalid manifest of ${w}: `
  rejects({ ...s1, schemaVersion: 2 }, MT.DOCKER_V2S1, w, `${pre}schema1 manifest without schemaVersion 1`)
  rejects({ ...s1, fsLayers: undefined }, '', w, `${pre}schema1 manifest without fsLayers/history`)
  rejects({ ...s1, history: {} }, '', w, `${pre}schema1 manifest without fsLayers/history`)
  rejects({ ...s1, history: [history[0]] }, '', w, `${pre}schema1 manifest: fsLayers and history differ in length`)
  rejects({ ...s1, fsLayers: [], history: [] }, '', w, `${pre}schema1 manifest with no layers`)
  rejects(
    { ...s1, fsLayers: [fsLayers[0], { blobSum: 'sha256:x' }] },
    '',
    w,
    `${pre}fsLayers[1] has an invalid blobSum`,
  )
  rejects({ ...s1, fsLayers: [fsLayers[0], null] }, '', w, `${pre}fsLayers[1] has an invalid blobSum`)
  rejects({ ...s1, fsLayers: [fsLayers[0], { blobSum: 1 }] }, '', w, `${pre}fsLayers[1] has an invalid blobSum`)
  rejects({ ...s1, history: [history[0], {}] }, '', w, `${pre}history[1] has no v1Compatibility`)
  rejects({ ...s1, history: [history[0], null] }, '', w, `${pre}history[1] has no v1Compatibility`)
})

test('schema1Payload: unsigned bytes unchanged; broken protected headers refused', () => {
  const plain = b(s1)
  assert.deepEqual(schema1Payload(plain), plain)
  assert.deepEqual(schema1Payload(b({ ...s1, signatures: [] })), b({ ...s1, signatures: [] }))
  assert.deepEqual(schema1Payload(b({ ...s1, signatures: {} })), b({ ...s1, signatures: {} }))
  const prot = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  const refused = (signature: unknown, message: string): void => {
    assert.throws(
      () => schema1Payload(b({ ...s1, signatures: [signature] })),
      (e: unknown) =>
        e instanceof SkiffError && e.code === 'ERR_MANIFEST_INVALID' && e.message === `invalid manifest: ${message}`,
    )
  }
  refused({}, 'schema1 signature without a protected header')
  refused({ protected: 5 }, 'schema1 signature without a protected header')
  refused({ protected: '!!!' }, 'schema1 signature protected header is not valid base64url JSON')
  refused({ protected: prot({ formatTail: 'fQ' }) }, 'schema1 signature protected header lacks formatLength/formatTail')
  refused({ protected: prot({ formatLength: 10 }) }, 'schema1 signature protected header lacks formatLength/formatTail')
  refused(
    { protected: prot({ formatLength: '10', formatTail: 'fQ' }) },
    'schema1 signature protected header lacks formatLength/formatTail',
  )
  const withLength = (n: number): Buffer =>
    b({ ...s1, signatures: [{ protected: prot({ formatLength: n, formatTail: 'fQ' }) }] })
  // the manifest length that is its own formatLength (same number of digits), and one more
  let len = 1
  while (withLength(len).length !== len) len = withLength(len).length
  assert.equal(withLength(len + 1).length, len)
  refused(
    { protected: prot({ formatLength: len + 1, formatTail: 'fQ' }) },
    'schema1 signature formatLength exceeds the manifest',
  )
  // formatLength equal to the length is allowed: the whole bytes, then the tail
  const whole = withLength(len)
  assert.equal(schema1Payload(whole).toString(), whole.toString() + '}')
})

test('manifestDigest: schema1 by the given type too; others over the exact bytes', () => {
  const prot = Buffer.from(
    JSON.stringify({ formatLength: 3, formatTail: Buffer.from('}').toString('base64url') }),
  ).toString('base64url')
  const signed = b({ schemaVersion: 1, signatures: [{ protected: prot }] })
  assert.equal(manifestDigest(signed, MT.DOCKER_V2S1_SIGNED), digestOf(signed.subarray(0, 3).toString() + '}'))
  assert.equal(manifestDigest(signed), digestOf(signed.subarray(0, 3).toString() + '}'))
  assert.equal(manifestDigest(signed, MT.OCI_MANIFEST), digestOf(signed))
})
