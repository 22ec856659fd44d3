import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createHash } from 'node:crypto'
import { digestHex, digestOf, isValidDigest, newHasher, parseDigest, shortHex } from '../../src/digest/digest.js'
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
  await assert.rejects(
    pipeline(Readable.from([Buffer.from('abc')]), new DigestingStream({ size: 4, what: 'b' }), sink()),
    /size mismatch/,
  )
  await assert.rejects(
    pipeline(Readable.from([Buffer.from('abcde')]), new DigestingStream({ size: 4, what: 'b' }), sink()),
    /more data/,
  )
})

test('verifyBytes', () => {
  verifyBytes(Buffer.from('x'), digestOf('x'), 'm')
  assert.throws(() => verifyBytes(Buffer.from('x'), digestOf('y'), 'm'), DigestMismatchError)
})

test('parseDigest: sha512, and every malformed or unsupported form is refused with a message saying which', () => {
  const h512 = createHash('sha512').update('x').digest('hex')
  assert.deepEqual(parseDigest(`sha512:${h512}`), { algorithm: 'sha512', hex: h512 })
  const cases: [string, string, RegExp][] = [
    ['', 'ERR_INVALID_ARGUMENT', /^invalid digest "": expected algorithm:hex$/],
    ['sha256', 'ERR_INVALID_ARGUMENT', /^invalid digest "sha256": expected algorithm:hex$/],
    [`:${'a'.repeat(64)}`, 'ERR_INVALID_ARGUMENT', /expected algorithm:hex/],
    [`SHA256:${'a'.repeat(64)}`, 'ERR_INVALID_ARGUMENT', /expected algorithm:hex/],
    [`sha256:${'a'.repeat(64)}\n`, 'ERR_INVALID_ARGUMENT', /expected algorithm:hex/],
    [` sha256:${'a'.repeat(64)}`, 'ERR_INVALID_ARGUMENT', /expected algorithm:hex/],
    [`sha256:`, 'ERR_INVALID_ARGUMENT', /expected algorithm:hex/],
    [
      `sha256:${'a'.repeat(63)}`,
      'ERR_INVALID_ARGUMENT',
      /^invalid sha256 digest "sha256:a{63}": expected 64 lowercase hex digits$/,
    ],
    [`sha256:${'a'.repeat(65)}`, 'ERR_INVALID_ARGUMENT', /expected 64 lowercase hex digits/],
    [`sha256:${'g'.repeat(64)}`, 'ERR_INVALID_ARGUMENT', /expected 64 lowercase hex digits/],
    [`sha256:${'a'.repeat(63)}A`, 'ERR_INVALID_ARGUMENT', /expected 64 lowercase hex digits/],
    [`sha256:A${'a'.repeat(63)}`, 'ERR_INVALID_ARGUMENT', /expected 64 lowercase hex digits/],
    [`sha512:${'a'.repeat(64)}`, 'ERR_INVALID_ARGUMENT', /^invalid sha512 digest .*expected 128 lowercase hex digits$/],
    [`md5:${'a'.repeat(32)}`, 'ERR_UNSUPPORTED', /^unsupported digest algorithm "md5" in "md5:a{32}"$/],
    [`sha256+b64:${'a'.repeat(64)}`, 'ERR_UNSUPPORTED', /unsupported digest algorithm "sha256\+b64"/],
    [`sha384:${'a'.repeat(96)}`, 'ERR_UNSUPPORTED', /unsupported digest algorithm "sha384"/],
    [`constructor:${'a'.repeat(64)}`, 'ERR_UNSUPPORTED', /unsupported digest algorithm "constructor"/],
  ]
  for (const [s, code, msg] of cases) {
    assert.throws(
      () => parseDigest(s),
      (e: any) => e instanceof SkiffError && e.code === code && msg.test(e.message),
      JSON.stringify(s),
    )
    assert.equal(isValidDigest(s), false, s)
  }
  // the algorithm grammar of the spec allows separators (refused as unsupported, not as malformed)
  assert.equal(isValidDigest(`sha256:${'0'.repeat(64)}`), true)
  assert.equal(isValidDigest(`sha512:${h512}`), true)
})

test('digestHex, shortHex, newHasher, digestOf with sha512', () => {
  const d = digestOf('abc')
  assert.equal(digestHex(d), d.slice(7))
  assert.throws(() => digestHex('nope'), SkiffError)
  assert.equal(shortHex(d), d.slice(7, 19))
  assert.equal(shortHex(d, 5), d.slice(7, 12))
  assert.equal(shortHex(`sha512:${'b'.repeat(128)}`, 3), 'bbb')
  assert.equal(digestOf('abc', 'sha512'), `sha512:${createHash('sha512').update('abc').digest('hex')}`)
  assert.equal(digestOf(Buffer.from('abc')), d)
  assert.equal(newHasher('sha512').update('abc').digest('hex'), createHash('sha512').update('abc').digest('hex'))
  assert.equal(newHasher().update('abc').digest('hex'), d.slice(7))
  assert.throws(
    () => newHasher('md5'),
    (e: any) => e.code === 'ERR_UNSUPPORTED' && e.message === 'unsupported digest algorithm "md5"',
  )
  assert.throws(
    () => newHasher('toString'),
    (e: any) => e.code === 'ERR_UNSUPPORTED',
  )
})

test('DigestingStream: sha512, unknown size, exact size across chunks, the error names what and sizes', async () => {
  const data = Buffer.from('hello world')
  const d512 = digestOf(data, 'sha512')
  const s = new DigestingStream({ digest: d512, what: 'blob' })
  await pipeline(Readable.from([data.subarray(0, 3), data.subarray(3)]), s, sink())
  assert.equal(s.digest, d512)
  // size -1 / undefined: not checked
  for (const size of [-1, undefined]) {
    const u = new DigestingStream({ digest: digestOf(data), size, what: 'blob' })
    await pipeline(Readable.from([data]), u, sink())
    assert.equal(u.size, data.length)
  }
  // exactly the size, in several chunks: fine; one byte more in the last chunk: "more data"
  const exact = new DigestingStream({ size: data.length, what: 'b' })
  await pipeline(Readable.from([data.subarray(0, 5), data.subarray(5)]), exact, sink())
  assert.equal(exact.size, data.length)
  assert.equal(exact.digest, digestOf(data))
  await assert.rejects(
    pipeline(
      Readable.from([data, Buffer.from('!')]),
      new DigestingStream({ size: data.length, what: 'layer L' }),
      sink(),
    ),
    (e: any) => {
      assert.equal(e.code, 'ERR_SIZE_MISMATCH')
      assert.equal(e.message, `layer L: more data than the expected ${data.length} bytes; the source is corrupt`)
      return true
    },
  )
  await assert.rejects(
    pipeline(Readable.from([data]), new DigestingStream({ size: data.length + 1, what: 'layer L' }), sink()),
    (e: any) => {
      assert.equal(e.code, 'ERR_SIZE_MISMATCH')
      assert.equal(
        e.message,
        `layer L: size mismatch: expected ${data.length + 1} bytes, got ${data.length}; the source is corrupt or truncated`,
      )
      return true
    },
  )
  await assert.rejects(
    pipeline(Readable.from([data]), new DigestingStream({ digest: digestOf('other'), what: 'layer L' }), sink()),
    (e: any) => {
      assert.ok(e instanceof DigestMismatchError)
      assert.ok(
        e.message.includes(digestOf('other')) && e.message.includes(digestOf(data)) && e.message.includes('layer L'),
        e.message,
      )
      return true
    },
  )
  // the size check comes first: a short blob is a size error even when the digest also differs
  await assert.rejects(
    pipeline(Readable.from([data]), new DigestingStream({ digest: digestOf('other'), size: 99, what: 'x' }), sink()),
    (e: any) => e.code === 'ERR_SIZE_MISMATCH',
  )
  // size 0 is a size: one byte is already too much
  await assert.rejects(
    pipeline(Readable.from([Buffer.from('x')]), new DigestingStream({ size: 0, what: 'empty' }), sink()),
    (e: any) => e.code === 'ERR_SIZE_MISMATCH' && /more data than the expected 0 bytes/.test(e.message),
  )
  // before the end there is no digest
  assert.throws(() => new DigestingStream().digest, /before end of stream/)
})

test('DigestingStream with a trusted digest: reports it, counts bytes, still checks the size', async () => {
  const data = Buffer.from('some bytes')
  const trusted = digestOf('claimed elsewhere')
  const s = new DigestingStream({ what: 'blob', trusted })
  await pipeline(Readable.from([data]), s, sink())
  assert.equal(s.digest, trusted)
  assert.equal(s.size, data.length)
  await assert.rejects(
    pipeline(Readable.from([data]), new DigestingStream({ what: 'blob', trusted, size: 3 }), sink()),
    (e: any) => e.code === 'ERR_SIZE_MISMATCH',
  )
  // not trusted: the real digest
  const real = new DigestingStream({ what: 'blob' })
  await pipeline(Readable.from([data]), real, sink())
  assert.equal(real.digest, digestOf(data))
})

test('verifyBytes: sha512 and the mismatch names both digests and what', () => {
  verifyBytes(Buffer.from('x'), digestOf('x', 'sha512'), 'm')
  assert.throws(
    () => verifyBytes(Buffer.from('x'), digestOf('x', 'sha512').replace(/.$/, '0'), 'manifest M'),
    (e: unknown) => {
      assert.ok(e instanceof DigestMismatchError)
      assert.ok(e.message.includes('manifest M') && e.message.includes(digestOf('x', 'sha512')), e.message)
      return true
    },
  )
  assert.throws(
    () => verifyBytes(Buffer.from('x'), 'not-a-digest', 'm'),
    (e: any) => e.code === 'ERR_INVALID_ARGUMENT',
  )
})
