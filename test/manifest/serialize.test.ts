/**
 * Manifest serialization: the bytes containers/image writes (Go struct field order, omitempty,
 * sorted maps), so converted manifests have skopeo's digests. The expected JSON is spelled out in
 * the Go structs' field order (image-spec v1 Manifest/Index/Descriptor/Platform, containers/image
 * Schema2/Schema2List/Schema2Descriptor/Schema2PlatformSpec).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  convertImageManifest,
  rewriteList,
  serializeImageManifest,
  serializeList,
} from '../../src/manifest/serialize.js'
import {
  compressionOfLayerType,
  configMediaType,
  flavorOf,
  isLayerType,
  layerMediaType,
} from '../../src/manifest/layer-types.js'
import { MT } from '../../src/manifest/media-types.js'
import { parseManifest } from '../../src/manifest/parse.js'
import { SkiffError } from '../../src/errors.js'
import type { ImageManifest, ManifestList } from '../../src/manifest/types.js'

const d = (c: string): string => 'sha256:' + c.repeat(64)
const json = (o: unknown): string => JSON.stringify(o)
const cfgOci = { mediaType: MT.OCI_CONFIG, digest: d('a'), size: 10 }
const cfgDocker = { mediaType: MT.DOCKER_CONFIG, digest: d('a'), size: 10 }

test('serializeImageManifest oci: field order, omitempty, sorted annotations', () => {
  const out = serializeImageManifest(
    {
      artifactType: 'application/x-art',
      config: cfgOci,
      layers: [
        {
          mediaType: MT.OCI_LAYER_GZIP,
          digest: d('b'),
          size: 20,
          urls: ['https://x/1'],
          annotations: { z: '1', a: '<&>' },
        },
        { digest: d('c'), size: 0, urls: [], annotations: {} },
      ],
      subject: { mediaType: MT.OCI_MANIFEST, digest: d('e'), size: 5 },
      annotations: { b: '2', a: '1', '10': 'x', '9': 'y' },
    },
    'oci',
  )
  assert.equal(
    out.toString(),
    '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/x-art",' +
      `"config":${json(cfgOci)},"layers":[{"mediaType":"${MT.OCI_LAYER_GZIP}","digest":"${d('b')}","size":20,` +
      `"urls":["https://x/1"],"annotations":{"a":"\\u003c\\u0026\\u003e","z":"1"}},{"digest":"${d('c')}","size":0}],` +
      `"subject":{"mediaType":"${MT.OCI_MANIFEST}","digest":"${d('e')}","size":5},"annotations":{"10":"x","9":"y","a":"1","b":"2"}}`,
  )
  assert.equal(
    serializeImageManifest({ config: cfgOci, layers: [], annotations: {} }, 'oci').toString(),
    `{"schemaVersion":2,"mediaType":"${MT.OCI_MANIFEST}","config":${json(cfgOci)},"layers":[]}`,
  )
})

test('serializeImageManifest docker: mediaType, size, digest, urls; no OCI-only fields', () => {
  const out = serializeImageManifest(
    {
      config: cfgDocker,
      layers: [
        {
          mediaType: MT.DOCKER_FOREIGN_LAYER_GZIP,
          digest: d('b'),
          size: 20,
          urls: ['https://x/1'],
          annotations: { a: '1' },
        },
        { digest: d('c'), size: 3, urls: [] },
      ],
      subject: { mediaType: MT.OCI_MANIFEST, digest: d('e'), size: 5 },
      annotations: { a: '1' },
      artifactType: 'application/x-art',
    },
    'docker',
  )
  assert.equal(
    out.toString(),
    `{"schemaVersion":2,"mediaType":"${MT.DOCKER_V2S2}","config":{"mediaType":"${MT.DOCKER_CONFIG}","size":10,"digest":"${d('a')}"},` +
      `"layers":[{"mediaType":"${MT.DOCKER_FOREIGN_LAYER_GZIP}","size":20,"digest":"${d('b')}","urls":["https://x/1"]},` +
      `{"mediaType":"","size":3,"digest":"${d('c')}"}]}`,
  )
})

const win = {
  os: 'windows',
  architecture: 'amd64',
  'os.version': '10.0.17763.1',
  'os.features': ['win32k'],
  variant: 'v3',
}

test('serializeList oci: platform fields in order, entries without platform, sorted annotations', () => {
  const out = serializeList(
    {
      artifactType: 'application/x-art',
      manifests: [
        { mediaType: MT.OCI_MANIFEST, digest: d('1'), size: 1, platform: win, annotations: { b: '1', a: '2' } },
        {
          mediaType: MT.OCI_MANIFEST,
          digest: d('2'),
          size: 2,
          platform: { os: 'linux', architecture: 'arm64', 'os.features': [] },
        },
        { mediaType: MT.OCI_MANIFEST, digest: d('3'), size: 3 },
      ],
      subject: { mediaType: MT.OCI_MANIFEST, digest: d('e'), size: 5 },
      annotations: { y: '1', x: '2' },
    },
    'oci',
  )
  assert.equal(
    out.toString(),
    `{"schemaVersion":2,"mediaType":"${MT.OCI_INDEX}","artifactType":"application/x-art","manifests":[` +
      `{"mediaType":"${MT.OCI_MANIFEST}","digest":"${d('1')}","size":1,"annotations":{"a":"2","b":"1"},` +
      '"platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1","os.features":["win32k"],"variant":"v3"}},' +
      `{"mediaType":"${MT.OCI_MANIFEST}","digest":"${d('2')}","size":2,"platform":{"architecture":"arm64","os":"linux"}},` +
      `{"mediaType":"${MT.OCI_MANIFEST}","digest":"${d('3')}","size":3}],` +
      `"subject":{"mediaType":"${MT.OCI_MANIFEST}","digest":"${d('e')}","size":5},"annotations":{"x":"2","y":"1"}}`,
  )
  assert.equal(
    serializeList({ manifests: [], annotations: {} }, 'oci').toString(),
    `{"schemaVersion":2,"mediaType":"${MT.OCI_INDEX}","manifests":[]}`,
  )
})

test('serializeList docker: every entry has a platform; no OCI-only fields', () => {
  const out = serializeList(
    {
      manifests: [
        { mediaType: MT.DOCKER_V2S2, digest: d('1'), size: 1, platform: win, annotations: { a: '1' } },
        { mediaType: MT.DOCKER_V2S2, digest: d('2'), size: 2 },
      ],
      annotations: { a: '1' },
      subject: { mediaType: MT.OCI_MANIFEST, digest: d('e'), size: 5 },
      artifactType: 'x',
    },
    'docker',
  )
  assert.equal(
    out.toString(),
    `{"schemaVersion":2,"mediaType":"${MT.DOCKER_LIST}","manifests":[` +
      `{"mediaType":"${MT.DOCKER_V2S2}","size":1,"digest":"${d('1')}",` +
      '"platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1","os.features":["win32k"],"variant":"v3"}},' +
      `{"mediaType":"${MT.DOCKER_V2S2}","size":2,"digest":"${d('2')}","platform":{"architecture":"","os":""}}]}`,
  )
})

const image = (over: Partial<ImageManifest> = {}): ImageManifest => ({
  kind: 'image',
  mediaType: MT.DOCKER_V2S2,
  config: cfgDocker,
  layers: [{ mediaType: MT.DOCKER_LAYER_GZIP, digest: d('b'), size: 20 }],
  ...over,
})

test('convertImageManifest: Docker → OCI and back, config and layer types follow, OCI-only fields kept for OCI only', () => {
  const extras = {
    annotations: { a: '1' },
    subject: { mediaType: MT.OCI_MANIFEST, digest: d('e'), size: 5 },
    artifactType: 'application/x-art',
  }
  const m = image(extras)
  const layers = [
    { mediaType: MT.DOCKER_LAYER_GZIP, digest: d('b'), size: 20, annotations: { k: 'v' }, urls: ['https://x/1'] },
    { mediaType: MT.DOCKER_LAYER_GZIP, digest: d('c'), size: 30, compression: 'zstd' as const },
    { digest: d('f'), size: 40 },
    { mediaType: 'application/x-blob', digest: d('9'), size: 50 },
  ]
  const toOci = parseManifest(convertImageManifest(m, 'oci', layers), MT.OCI_MANIFEST)
  assert.deepEqual(toOci, {
    kind: 'image',
    mediaType: MT.OCI_MANIFEST,
    config: { ...cfgDocker, mediaType: MT.OCI_CONFIG },
    layers: [
      { mediaType: MT.OCI_LAYER_GZIP, digest: d('b'), size: 20, urls: ['https://x/1'], annotations: { k: 'v' } },
      { mediaType: MT.OCI_LAYER_ZSTD, digest: d('c'), size: 30 },
      { mediaType: MT.OCI_LAYER_TAR, digest: d('f'), size: 40 },
      { mediaType: 'application/x-blob', digest: d('9'), size: 50 },
    ],
    ...extras,
  })
  const back = convertImageManifest({ ...m, mediaType: MT.OCI_MANIFEST, config: cfgOci }, 'docker', [
    { mediaType: MT.OCI_LAYER_GZIP, digest: d('b'), size: 20, annotations: { k: 'v' } },
    { mediaType: MT.OCI_LAYER_TAR, digest: d('f'), size: 40 },
  ])
  assert.equal(
    back.toString(),
    `{"schemaVersion":2,"mediaType":"${MT.DOCKER_V2S2}","config":{"mediaType":"${MT.DOCKER_CONFIG}","size":10,"digest":"${d('a')}"},` +
      `"layers":[{"mediaType":"${MT.DOCKER_LAYER_GZIP}","size":20,"digest":"${d('b')}"},{"mediaType":"${MT.DOCKER_LAYER_TAR}","size":40,"digest":"${d('f')}"}]}`,
  )
  // a config without a media type gets the flavor's; the config argument replaces the manifest's
  const noType = convertImageManifest(image(), 'oci', [], { digest: d('7'), size: 7 })
  assert.equal(
    noType.toString(),
    `{"schemaVersion":2,"mediaType":"${MT.OCI_MANIFEST}","config":{"mediaType":"${MT.OCI_CONFIG}","digest":"${d('7')}","size":7},"layers":[]}`,
  )
  const noTypeDocker = convertImageManifest(image({ config: { digest: d('7'), size: 7 } }), 'docker', [])
  assert.equal(
    noTypeDocker.toString(),
    `{"schemaVersion":2,"mediaType":"${MT.DOCKER_V2S2}","config":{"mediaType":"${MT.DOCKER_CONFIG}","size":7,"digest":"${d('7')}"},"layers":[]}`,
  )
  // OCI → OCI keeps the config type
  assert.match(
    convertImageManifest(image({ config: cfgOci }), 'oci', []).toString(),
    /"config":\{"mediaType":"application\/vnd\.oci\.image\.config\.v1\+json"/,
  )
})

test('convertImageManifest: an artifact config stays in OCI and cannot become Docker schema2', () => {
  const helm = { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: d('a'), size: 10 }
  const m = image({ mediaType: MT.OCI_MANIFEST, config: helm, layers: [] })
  assert.match(
    convertImageManifest(m, 'oci', []).toString(),
    /"config":\{"mediaType":"application\/vnd\.cncf\.helm\.config\.v1\+json"/,
  )
  assert.throws(
    () => convertImageManifest(m, 'docker', []),
    (e: unknown) =>
      e instanceof SkiffError &&
      e.code === 'ERR_MANIFEST_TYPE_REJECTED' &&
      e.message ===
        'cannot convert an image whose config is application/vnd.cncf.helm.config.v1+json to Docker schema2 (not a container image)',
  )
})

test('rewriteList: new entries; OCI keeps annotations, subject, artifactType; Docker drops them', () => {
  const l: ManifestList = {
    kind: 'list',
    mediaType: MT.OCI_INDEX,
    manifests: [],
    annotations: { a: '1' },
    subject: { mediaType: MT.OCI_MANIFEST, digest: d('e'), size: 5 },
    artifactType: 'application/x-art',
  }
  const entries = [
    { mediaType: MT.OCI_MANIFEST, digest: d('1'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
  ]
  assert.deepEqual(parseManifest(rewriteList(l, 'oci', entries), MT.OCI_INDEX), { ...l, manifests: entries })
  assert.deepEqual(parseManifest(rewriteList(l, 'docker', entries), MT.DOCKER_LIST), {
    kind: 'list',
    mediaType: MT.DOCKER_LIST,
    manifests: entries,
  })
  assert.equal(
    rewriteList({ kind: 'list', mediaType: MT.OCI_INDEX, manifests: [] }, 'oci', []).toString(),
    `{"schemaVersion":2,"mediaType":"${MT.OCI_INDEX}","manifests":[]}`,
  )
})

test('layer media types per flavour and compression; foreign/non-distributable kept', () => {
  const cases: Array<[string | undefined, 'oci' | 'docker', 'gzip' | 'zstd' | 'none', string]> = [
    [MT.DOCKER_LAYER_GZIP, 'oci', 'gzip', MT.OCI_LAYER_GZIP],
    [MT.DOCKER_LAYER_GZIP, 'oci', 'zstd', MT.OCI_LAYER_ZSTD],
    [MT.DOCKER_LAYER_GZIP, 'oci', 'none', MT.OCI_LAYER_TAR],
    [MT.DOCKER_FOREIGN_LAYER_GZIP, 'oci', 'gzip', MT.OCI_ND_LAYER_GZIP],
    [MT.DOCKER_FOREIGN_LAYER_GZIP, 'oci', 'zstd', MT.OCI_ND_LAYER_ZSTD],
    [MT.DOCKER_FOREIGN_LAYER_GZIP, 'oci', 'none', MT.OCI_ND_LAYER_TAR],
    [MT.OCI_ND_LAYER_TAR, 'oci', 'gzip', MT.OCI_ND_LAYER_GZIP],
    [MT.OCI_ND_LAYER_ZSTD, 'docker', 'gzip', MT.DOCKER_FOREIGN_LAYER_GZIP],
    [MT.OCI_LAYER_TAR, 'docker', 'gzip', MT.DOCKER_LAYER_GZIP],
    [MT.OCI_LAYER_GZIP, 'docker', 'none', MT.DOCKER_LAYER_TAR],
    [MT.OCI_LAYER_GZIP, 'docker', 'zstd', MT.DOCKER_LAYER_ZSTD],
    [undefined, 'docker', 'gzip', MT.DOCKER_LAYER_GZIP],
    [undefined, 'oci', 'none', MT.OCI_LAYER_TAR],
    ['application/x-blob', 'docker', 'gzip', 'application/x-blob'],
    ['', 'oci', 'gzip', ''],
  ]
  for (const [from, flavor, compression, want] of cases)
    assert.equal(layerMediaType(from, flavor, compression), want, `${from} ${flavor} ${compression}`)
  const refused = (
    from: string,
    flavor: 'oci' | 'docker',
    compression: 'gzip' | 'zstd' | 'none' | 'xz',
    message: string,
  ): void => {
    assert.throws(
      () => layerMediaType(from, flavor, compression),
      (e: unknown) => e instanceof SkiffError && e.code === 'ERR_MANIFEST_TYPE_REJECTED' && e.message === message,
      `${from} ${flavor} ${compression}`,
    )
  }
  refused(
    MT.DOCKER_FOREIGN_LAYER_GZIP,
    'docker',
    'none',
    'a non-distributable none layer cannot be described in a Docker schema2 manifest',
  )
  refused(
    MT.OCI_ND_LAYER_GZIP,
    'docker',
    'zstd',
    'a non-distributable zstd layer cannot be described in a Docker schema2 manifest',
  )
  refused(MT.OCI_LAYER_GZIP, 'oci', 'xz', 'a xz layer cannot be described in a OCI manifest')
  refused(MT.OCI_LAYER_GZIP, 'docker', 'xz', 'a xz layer cannot be described in a Docker schema2 manifest')
})

test('layer compression table, configMediaType, flavorOf', () => {
  const table: Array<[string, string]> = [
    [MT.DOCKER_LAYER_GZIP, 'gzip'],
    [MT.DOCKER_FOREIGN_LAYER_GZIP, 'gzip'],
    [MT.DOCKER_LAYER_ZSTD, 'zstd'],
    [MT.DOCKER_LAYER_TAR, 'none'],
    [MT.OCI_LAYER_GZIP, 'gzip'],
    [MT.OCI_LAYER_ZSTD, 'zstd'],
    [MT.OCI_LAYER_TAR, 'none'],
    [MT.OCI_ND_LAYER_GZIP, 'gzip'],
    [MT.OCI_ND_LAYER_ZSTD, 'zstd'],
    [MT.OCI_ND_LAYER_TAR, 'none'],
  ]
  for (const [mt, c] of table) {
    assert.equal(compressionOfLayerType(mt), c, mt)
    assert.equal(isLayerType(mt), true, mt)
  }
  assert.equal(compressionOfLayerType(undefined), undefined)
  assert.equal(compressionOfLayerType(MT.OCI_CONFIG), undefined)
  assert.equal(isLayerType(undefined), false)
  assert.equal(isLayerType('application/x-blob'), false)
  assert.equal(configMediaType('oci'), MT.OCI_CONFIG)
  assert.equal(configMediaType('docker'), MT.DOCKER_CONFIG)
  assert.equal(flavorOf(MT.OCI_MANIFEST), 'oci')
  assert.equal(flavorOf(MT.OCI_INDEX), 'oci')
  assert.equal(flavorOf(MT.DOCKER_V2S2), 'docker')
  assert.equal(flavorOf(MT.DOCKER_LIST), 'docker')
  assert.equal(flavorOf(MT.DOCKER_V2S1), undefined)
  assert.equal(flavorOf(''), undefined)
})

test('empty strings are omitted as Go omitempty does (mediaType, artifactType, os.version, variant)', () => {
  const noMt = { mediaType: '', digest: d('b'), size: 1 }
  assert.equal(
    serializeImageManifest({ artifactType: '', config: cfgOci, layers: [noMt] }, 'oci').toString(),
    `{"schemaVersion":2,"mediaType":"${MT.OCI_MANIFEST}","config":${json(cfgOci)},"layers":[{"digest":"${d('b')}","size":1}]}`,
  )
  const platform = { os: 'linux', architecture: 'arm', 'os.version': '', variant: '' }
  const entry = { mediaType: MT.OCI_MANIFEST, digest: d('1'), size: 1, platform }
  assert.equal(
    serializeList({ artifactType: '', manifests: [entry] }, 'oci').toString(),
    `{"schemaVersion":2,"mediaType":"${MT.OCI_INDEX}","manifests":[{"mediaType":"${MT.OCI_MANIFEST}","digest":"${d('1')}","size":1,` +
      '"platform":{"architecture":"arm","os":"linux"}}]}',
  )
  assert.equal(
    serializeList({ manifests: [{ ...entry, mediaType: MT.DOCKER_V2S2 }] }, 'docker').toString(),
    `{"schemaVersion":2,"mediaType":"${MT.DOCKER_LIST}","manifests":[{"mediaType":"${MT.DOCKER_V2S2}","size":1,"digest":"${d('1')}",` +
      '"platform":{"architecture":"arm","os":"linux"}}]}',
  )
})

test('convertImageManifest: Docker → Docker keeps the Docker config type', () => {
  assert.equal(
    convertImageManifest(image(), 'docker', [{ mediaType: MT.DOCKER_LAYER_GZIP, digest: d('b'), size: 20 }]).toString(),
    `{"schemaVersion":2,"mediaType":"${MT.DOCKER_V2S2}","config":{"mediaType":"${MT.DOCKER_CONFIG}","size":10,"digest":"${d('a')}"},` +
      `"layers":[{"mediaType":"${MT.DOCKER_LAYER_GZIP}","size":20,"digest":"${d('b')}"}]}`,
  )
})
