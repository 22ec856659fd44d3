import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseVersion, semverMatcher } from '../../src/sync/semver.js'

const tags = [
  '1.0.0',
  'v1.2.3',
  '1.2',
  '1.4.0',
  '1.4.9',
  '1.5.0',
  '2.0.0',
  '2.1.0-rc.1',
  '3',
  'latest',
  '1.2.3.4',
  'v0.3.1',
  '0.3.5',
  '0.4.0',
]
const pick = (c: string): string[] => tags.filter(semverMatcher(c))

test('semver: versions are read leniently, as Masterminds/semver', () => {
  assert.deepEqual(parseVersion('v1.2'), { major: 1, minor: 2, patch: 0, pre: [] })
  assert.deepEqual(parseVersion('1.2.3-rc.1+build.5')?.pre, ['rc', '1'])
  assert.equal(parseVersion('latest'), undefined)
  assert.equal(parseVersion('1.2.3.4'), undefined)
})

test('semver: comparison operators, AND (comma or space), OR', () => {
  assert.deepEqual(pick('>=1.4'), ['1.4.0', '1.4.9', '1.5.0', '2.0.0', '3'])
  assert.deepEqual(pick('>=1.2, <1.5'), ['v1.2.3', '1.2', '1.4.0', '1.4.9'])
  assert.deepEqual(pick('>= 1.2 < 1.5'), ['v1.2.3', '1.2', '1.4.0', '1.4.9'])
  assert.deepEqual(pick('<1.0.0 || >=3'), ['3', 'v0.3.1', '0.3.5', '0.4.0'])
  assert.deepEqual(pick('!=1.4.0, >1.3, <2'), ['1.4.9', '1.5.0'])
  assert.deepEqual(pick('=1.4.0'), ['1.4.0'])
})

test('semver: tilde, caret, wildcards, hyphen ranges', () => {
  assert.deepEqual(pick('~1.4'), ['1.4.0', '1.4.9'])
  assert.deepEqual(pick('^1.2'), ['v1.2.3', '1.2', '1.4.0', '1.4.9', '1.5.0'])
  assert.deepEqual(pick('^0.3.1'), ['v0.3.1', '0.3.5'])
  assert.deepEqual(pick('1.4.x'), ['1.4.0', '1.4.9'])
  assert.deepEqual(pick('2.*'), ['2.0.0'])
  assert.deepEqual(pick('1.2 - 1.4.0'), ['v1.2.3', '1.2', '1.4.0'])
})

test('semver: pre-releases only match constraints that name one', () => {
  assert.deepEqual(pick('>=2'), ['2.0.0', '3'])
  assert.deepEqual(pick('>=2.1.0-rc.0'), ['2.1.0-rc.1', '3'])
})

test('semver: a bad constraint is a clear error', () => {
  assert.throws(() => semverMatcher('>=banana'), /improper semver constraint ">=banana"/)
  assert.throws(() => semverMatcher(''), /improper semver constraint/)
})
