import { test } from 'node:test'
import assert from 'node:assert/strict'
import { jsonOutput, goMarshal as marshalGo } from '../../src/go/json.js'
import { GoRawJSON, GoTime, NIL_MAP, NIL_PTR, NIL_SLICE, goMap, goStruct } from '../../src/go/values.js'

test('Go escaping: <, >, & as \\u003c…, control characters, U+2028, invalid surrogates', () => {
  assert.equal(marshalGo('a<b>&c'), '"a\\u003cb\\u003e\\u0026c"')
  assert.equal(marshalGo('a<b', { escapeHTML: false }), '"a<b"')
  assert.equal(marshalGo('\n\t\r\b\f\u0001"\\'), '"\\n\\t\\r\\u0008\\u000c\\u0001\\"\\\\"')
  assert.equal(marshalGo('\u2028\u2029'), '"\\u2028\\u2029"')
  assert.equal(marshalGo('x\ud800y'), '"x\ufffdy"')
  assert.equal(marshalGo('😀'), '"😀"')
})

test('maps sort keys byte-wise (numeric-looking keys too); structs keep order and honour omitempty', () => {
  assert.equal(marshalGo(goMap({ b: 1, '10': 2, a: 3, '9': 4 })), '{"10":2,"9":4,"a":3,"b":1}')
  const s = goStruct(
    { Name: '', Z: 1, A: NIL_MAP, T: GoTime.parse('2024-01-02T03:04:05.100+02:00'), P: NIL_PTR, L: NIL_SLICE },
    { omitEmpty: new Set(['Name', 'P']), jsonNames: { Z: 'zed' } },
  )
  assert.equal(marshalGo(s), '{"zed":1,"A":null,"T":"2024-01-02T03:04:05.1+02:00","L":null}')
})

test('jsonOutput is MarshalIndent with four spaces and a newline; empty containers stay inline', () => {
  assert.equal(
    jsonOutput({ a: [], b: goMap({}), c: [1, { d: 'x' }] }),
    '{\n    "a": [],\n    "b": {},\n    "c": [\n        1,\n        {\n            "d": "x"\n        }\n    ]\n}\n',
  )
})

test('GoTime: RFC 3339 in, RFC3339Nano out, String() as Go prints it', () => {
  assert.equal(GoTime.parse('2024-01-02T03:04:05.000Z')!.toJSON(), '2024-01-02T03:04:05Z')
  assert.equal(GoTime.parse('2024-01-02T03:04:05+00:00')!.toJSON(), '2024-01-02T03:04:05Z')
  assert.equal(
    GoTime.parse('2024-01-02T03:04:05.123456789-07:30')!.toString(),
    '2024-01-02 03:04:05.123456789 -0730 -0730',
  )
  assert.equal(GoTime.zero().toJSON(), '0001-01-01T00:00:00Z')
  assert.equal(GoTime.parse('2024-02-30T00:00:00Z'), undefined)
  assert.equal(GoTime.parse('yesterday'), undefined)
})

test('one encoder for manifests too: undefined Map values and struct fields are left out, GoRawJSON is written as it is', () => {
  assert.equal(
    marshalGo(
      new Map<string, unknown>([
        ['b', undefined],
        ['a', 1],
      ]),
    ),
    '{"a":1}',
  )
  assert.equal(marshalGo({ x: undefined, y: new GoRawJSON('{"k":[1,2]}') }), '{"y":{"k":[1,2]}}')
  assert.equal(
    marshalGo(
      new Map([
        ['z', 'x'],
        ['é', 'y'],
        ['\ue000', 'w'],
        ['😀', 'v'],
      ]),
    ),
    '{"z":"x","é":"y","\ue000":"w","😀":"v"}',
  )
})
