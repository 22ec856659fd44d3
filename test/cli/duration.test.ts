import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatGoDuration, parseGoDuration } from '../../src/cli/duration.js'

test('parses Go durations into milliseconds', () => {
  assert.equal(parseGoDuration('1h2m3.5s'), 3_723_500)
  assert.equal(parseGoDuration('300ms'), 300)
  assert.equal(parseGoDuration('1.5h'), 5_400_000)
  assert.equal(parseGoDuration('-2m'), -120_000)
  assert.equal(parseGoDuration('0'), 0)
  assert.equal(parseGoDuration('.5s'), 500)
  assert.equal(parseGoDuration('1500us'), 1.5)
  assert.equal(parseGoDuration('2µs'), 0.002)
})

test('rejects what Go rejects, with Go messages', () => {
  assert.throws(() => parseGoDuration('5'), /time: missing unit in duration "5"/)
  assert.throws(() => parseGoDuration('5d'), /time: unknown unit "d" in duration "5d"/)
  assert.throws(() => parseGoDuration(''), /time: invalid duration ""/)
  assert.throws(() => parseGoDuration('h'), /time: invalid duration "h"/)
  assert.throws(() => parseGoDuration('1h-2m'), /time: unknown unit/)
})

test('formats as Duration.String', () => {
  assert.equal(formatGoDuration(3_723_500), '1h2m3.5s')
  assert.equal(formatGoDuration(300), '300ms')
  assert.equal(formatGoDuration(60_000), '1m0s')
  assert.equal(formatGoDuration(0), '0s')
})
