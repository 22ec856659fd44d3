import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createHash } from 'node:crypto'
import { digestOf, parseDigest, shortHex } from '../../src/digest/digest.js'
import { DigestingStream, verifyBytes } from '../../src/digest/verify.js'
import { DigestMismatchError, SkiffError } from '../../src/errors.js'

const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() })

test('digestOf hashes exact bytes', () => {
  assert.equal(digestOf('abc'), 'sha256:' + createHash('sha256').update('abc').digest('hex'))
  assert.equal(shortHex(digestOf('abc')), 'ba7816bf8f01')
})

test('parseDigest validates algorithm and length', () => {
  assert.deepEqual(parseDigest('sha256:' + 'a'.repeat(64)), { algorithm: 'sha256', hex: 'a'.repeat(64) })
  assert.throws(() => parseDigest('sha256:abc'), SkiffError)
  assert.throws(() => parseDigest('md5:' + 'a'.repeat(32)), /unsupported/)
  assert.throws(() => parseDigest('sha256:' + 'A'.repeat(64)), SkiffError)
})

test('DigestingStream passes data and verifies digest and size at the end', async () => {
  const data = Buffer.from('hello world')
  const s = new DigestingStream({ digest: digestOf(data), size: data.length, what: 'blob' })
  await pipeline(Readable.from([data]), s, sink())
  assert.equal(s.digest, digestOf(data))
  assert.equal(s.size, data.length)
})

test('DigestingStream fails the pipeline on a wrong digest', async () => {
  const s = new DigestingStream({ digest: digestOf('other'), what: 'layer x' })
  await assert.rejects(pipeline(Readable.from([Buffer.from('hello')]), s, sink()), DigestMismatchError)
})

test('DigestingStream fails on short and long data', async () => {
  await assert.rejects(pipeline(Readable.from([Buffer.from('abc')]), new DigestingStream({ size: 4, what: 'b' }), sink()), /size mismatch/)
  await assert.rejects(pipeline(Readable.from([Buffer.from('abcde')]), new DigestingStream({ size: 4, what: 'b' }), sink()), /more data/)
})

test('verifyBytes', () => {
  verifyBytes(Buffer.from('x'), digestOf('x'), 'm')
  assert.throws(() => verifyBytes(Buffer.from('x'), digestOf('y'), 'm'), DigestMismatchError)
})
