import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseFlagValue, parseGoBool, parseGoInt, splitCsv, type FlagSpec } from '../../src/cli/flags.js'

test('booleans follow strconv.ParseBool', () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool('x', t), true)
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool('x', f), false)
  assert.throws(
    () => parseGoBool('src-tls-verify', 'maybe'),
    /invalid argument "maybe" for "--src-tls-verify" flag: strconv.ParseBool/,
  )
})

test('integers follow strconv.ParseInt(s, 0, 64)', () => {
  assert.equal(parseGoInt('n', '42'), 42)
  assert.equal(parseGoInt('n', '-1'), -1)
  assert.equal(parseGoInt('n', '0x10'), 16)
  assert.equal(parseGoInt('n', '010'), 8)
  assert.throws(() => parseGoInt('retry-times', 'three'), /invalid argument "three" for "--retry-times" flag/)
  assert.throws(() => parseGoInt('n', '1.5'), /invalid syntax/)
})

test('string slices split on commas with CSV quoting and accumulate', () => {
  assert.deepEqual(splitCsv('t', 'a,b'), ['a', 'b'])
  assert.deepEqual(splitCsv('t', '"a,b",c'), ['a,b', 'c'])
  assert.deepEqual(splitCsv('t', ''), [])
  const spec: FlagSpec = { name: 'additional-tag', kind: 'strings', help: '' }
  const once = parseFlagValue(spec, 'a', undefined)
  assert.deepEqual(parseFlagValue(spec, 'b,c', once), ['a', 'b', 'c'])
  const ints: FlagSpec = { name: 'encrypt-layer', kind: 'ints', help: '' }
  assert.deepEqual(parseFlagValue(ints, '0,-1', undefined), [0, -1])
})
