import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { goCompact, goMarshalMap, rawObjectMembers } from '../../src/go/raw-json.js'

describe('Go-compatible JSON helpers', () => {
  it('keeps top-level member values exactly as written (numbers, nesting, escapes; later duplicates win)', () => {
    const src = '{ "a" : 1.50 , "b": {"x": [1, {"y": "}]"}]}, "c\\u0041": "q\\"uote", "a": 1e3, "n": null }'
    const m = rawObjectMembers(src)
    assert.equal(m.get('a'), '1e3')
    assert.equal(m.get('b'), '{"x": [1, {"y": "}]"}]}')
    assert.equal(m.get('cA'), '"q\\"uote"')
    assert.equal(m.get('n'), 'null')
    assert.deepEqual(rawObjectMembers('{}'), new Map())
    assert.throws(() => rawObjectMembers('[1]'))
    assert.throws(() => rawObjectMembers('{"a":'))
  })

  it('compacts like json.Compact with HTML escaping, leaving other escapes alone', () => {
    assert.equal(
      goCompact('{ "a" : [ 1 , 2 ],\n "s": "x < y && z > w \\n \\u00e9" }'),
      '{"a":[1,2],"s":"x \\u003c y \\u0026\\u0026 z \\u003e w \\n \\u00e9"}',
    )
    assert.equal(goCompact('"\u2028"'), '"\\u2028"')
  })

  it('marshals maps with sorted keys and HTML-escaped strings', () => {
    assert.equal(goMarshalMap({ b: 'x<y', a: { raw: '[1]' }, c: 'plain' }), '{"a":[1],"b":"x\\u003cy","c":"plain"}')
  })
})
