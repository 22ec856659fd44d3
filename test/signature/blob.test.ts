/** The signature file format (containers/image signature.Blob / FromBlob). */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseStoredSignature, signatureFromBlob, signatureToBlob } from '../../src/signature/blob.js'
import { SIGSTORE_SIGNATURE_MIME_TYPE, sigstoreSignature, simpleSigning } from '../../src/signature/types.js'

test('simple signing is the OpenPGP message itself; sigstore is \\0sigstore-json\\n + Go JSON', () => {
  const pgp = Buffer.from([0xa3, 1, 2, 3])
  assert.deepEqual(signatureToBlob(simpleSigning(pgp)), pgp)
  assert.deepEqual(signatureFromBlob(pgp), simpleSigning(pgp))
  const s = sigstoreSignature(SIGSTORE_SIGNATURE_MIME_TYPE, Buffer.from('{"a":1}'), {
    'dev.cosignproject.cosign/signature': 'MEUC<>',
    a: '&',
  })
  const blob = signatureToBlob(s)
  // Go: struct fields in order, []byte as base64, map keys sorted, <>& escaped
  assert.equal(
    blob.toString('latin1'),
    '\0sigstore-json\n{"mimeType":"application/vnd.dev.cosign.simplesigning.v1+json","payload":"eyJhIjoxfQ==","annotations":{"a":"\\u0026","dev.cosignproject.cosign/signature":"MEUC\\u003c\\u003e"}}',
  )
  assert.deepEqual(signatureFromBlob(blob), s)
  // an explicit simple-signing header is accepted too
  assert.deepEqual(signatureFromBlob(Buffer.concat([Buffer.from('\0simple-signing\n'), pgp])), simpleSigning(pgp))
})

test('what is not a signature is refused with containers/image’s messages, naming the file', () => {
  const cases: Array<[Buffer, string]> = [
    [Buffer.alloc(0), 'empty signature blob'],
    [Buffer.from('not a signature'), 'unrecognized signature format, starting with binary 0x6e'],
    [Buffer.from('\0sigstore-json'), 'invalid signature format, missing newline'],
    [Buffer.from('\0bad\x01\n'), 'invalid signature format, non-ASCII byte 0x1'],
    [Buffer.from('\0other\n{}'), 'unrecognized signature format "other"'],
  ]
  for (const [blob, message] of cases) {
    assert.throws(
      () => signatureFromBlob(blob),
      (e: Error) => e.message === message,
      message,
    )
    assert.throws(
      () => parseStoredSignature(blob, '"/x/signature-1"'),
      (e: Error) => e.message === `parsing signature "/x/signature-1": ${message}`,
    )
  }
})
