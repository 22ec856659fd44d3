/**
 * Docker schema1 → schema2: the layers and the config skopeo 1.9.3 builds (schema1.skopeo.json,
 * recorded with `skopeo copy --format v2s2 dir:A dir:B` on an unsigned schema1 image).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parseManifest } from '../../src/manifest/parse.js'
import { schema1Layers, schema1ToConfig, schema1TopCompat } from '../../src/manifest/schema1.js'
import { MT } from '../../src/manifest/media-types.js'
import { SkiffError } from '../../src/errors.js'
import type { Schema1Manifest } from '../../src/manifest/types.js'

const recorded = JSON.parse(readFileSync(new URL('./schema1.skopeo.json', import.meta.url), 'utf8')) as {
  manifest: string
  skopeoLayers: string[]
  skopeoConfig: string
}
const d = (c: string): string => 'sha256:' + c.repeat(64)

function schema1(history: unknown[], fsLayers = history.map((_, i) => ({ blobSum: d(String(i)) }))): Schema1Manifest {
  const m = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 1,
        fsLayers,
        history: history.map((h) => ({ v1Compatibility: typeof h === 'string' ? h : JSON.stringify(h) })),
      }),
    ),
    '',
  )
  assert.equal(m.kind, 'schema1')
  return m as Schema1Manifest
}

test('schema1 → schema2: the layers (oldest first, throwaways dropped) and the config skopeo builds', () => {
  const m = parseManifest(Buffer.from(recorded.manifest), MT.DOCKER_V2S1)
  assert.equal(m.kind, 'schema1')
  if (m.kind !== 'schema1') return
  const layers = schema1Layers(m)
  assert.deepEqual(
    layers.map((l) => l.empty),
    [false, false, true],
  )
  assert.deepEqual(
    layers.filter((l) => !l.empty).map((l) => l.digest),
    recorded.skopeoLayers,
  )
  const diffIDs = (JSON.parse(recorded.skopeoConfig) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids
  assert.equal(schema1ToConfig(m, diffIDs).toString(), recorded.skopeoConfig)
})

test('schema1Layers: newest entry first in the manifest, oldest first out; only throwaway: true is empty', () => {
  const m = schema1([{ throwaway: true }, { throwaway: 'true' }, { throwaway: false }, {}])
  assert.deepEqual(schema1Layers(m), [
    { digest: d('3'), empty: false },
    { digest: d('2'), empty: false },
    { digest: d('1'), empty: false },
    { digest: d('0'), empty: true },
  ])
})

test('schema1TopCompat: the newest history entry', () => {
  assert.deepEqual(schema1TopCompat(schema1([{ id: 'top', os: 'linux' }, { id: 'base' }])), { id: 'top', os: 'linux' })
})

test('schema1ToConfig: history fields only when set; fields dropped; keys sorted', () => {
  const m = schema1([
    {
      id: 'x',
      parent: 'p',
      parent_id: 'q',
      layer_id: 'l',
      throwaway: false,
      Size: 3,
      os: 'linux',
      b: '<',
      a: null,
      container_config: { Cmd: [] },
    },
    {
      created: '2020-01-01T00:00:00Z',
      author: '',
      comment: '',
      container_config: { Cmd: ['a', 'b'] },
      throwaway: false,
    },
    { created: '2019-01-01T00:00:00Z' },
  ])
  assert.equal(
    schema1ToConfig(m, [d('9')]).toString(),
    '{"a":null,"b":"\\u003c","container_config":{"Cmd":[]},' +
      '"history":[{"created":"2019-01-01T00:00:00Z"},{"created":"2020-01-01T00:00:00Z","created_by":"a b"},{"created":"0001-01-01T00:00:00Z"}],' +
      `"os":"linux","rootfs":{"type":"layers","diff_ids":["${d('9')}"]}}`,
  )
})

test('schema1ToConfig: an image of throwaway layers only has no diff_ids (Schema2RootFS: omitempty)', () => {
  const m = schema1([{ id: 'top', os: 'linux', throwaway: true }])
  assert.equal(
    schema1ToConfig(m, []).toString(),
    '{"history":[{"created":"0001-01-01T00:00:00Z","empty_layer":true}],"os":"linux","rootfs":{"type":"layers"}}',
  )
})

test('schema1: a v1Compatibility that is not JSON names its entry', () => {
  const m = schema1([{ id: 'top' }, 'not json'])
  for (const f of [() => schema1Layers(m), () => schema1ToConfig(m, [])]) {
    assert.throws(
      f,
      (e: unknown) =>
        e instanceof SkiffError &&
        e.code === 'ERR_MANIFEST_INVALID' &&
        e.message === 'invalid schema1 manifest: history[1].v1Compatibility is not JSON',
    )
  }
  assert.throws(() => schema1TopCompat(schema1(['{', {}])), /history\[0\]\.v1Compatibility is not JSON/)
})
