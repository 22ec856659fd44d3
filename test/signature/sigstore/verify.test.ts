/**
 * Sigstore signatures: what skiff signs verifies with openssl (`openssl dgst -sha256 -verify`), what
 * openssl signs verifies with skiff; wrong keys, tampered payloads and malformed signatures are
 * refused with sigstore's messages; every key kind sigstore uses.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { digestOf } from '../../../src/digest/digest.js'
import { parseSigstorePublicKey, publicKeyPem } from '../../../src/signature/sigstore/keys.js'
import { signMessage, verifyMessage } from '../../../src/signature/sigstore/crypto.js'
import { createSigstoreSignature } from '../../../src/signature/sigstore/sign.js'
import { verifySigstorePayload, type SigstorePayloadRules } from '../../../src/signature/sigstore/verify.js'
import { InvalidSignatureError } from '../../../src/signature/errors.js'
import { SIGSTORE_SIGNATURE_ANNOTATION, SIGSTORE_SIGNATURE_MIME_TYPE } from '../../../src/signature/types.js'
import { requireTool, run } from '../../helpers/tools.js'

const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}')
const ec = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
const accept: SigstorePayloadRules = { validateManifestDigest: () => {}, validateDockerReference: () => {} }

let dir: string
let key: KeyObject
let other: KeyObject
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-sigstore-verify-'))
  key = ec()
  other = ec()
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

test('a signature skiff creates: the payload claims, the annotation, and openssl verifies it', async () => {
  requireTool('openssl')
  const sig = createSigstoreSignature(MANIFEST, 'example.com/app:v1', key, { now: new Date(1700000000_900) })
  assert.equal(sig.mimeType, SIGSTORE_SIGNATURE_MIME_TYPE)
  assert.deepEqual(Object.keys(sig.annotations), [SIGSTORE_SIGNATURE_ANNOTATION])
  const payload = verifySigstorePayload(
    [parseSigstorePublicKey(publicKeyPem(key))],
    sig.payload,
    sig.annotations[SIGSTORE_SIGNATURE_ANNOTATION]!,
    accept,
  )
  assert.deepEqual(payload, {
    dockerManifestDigest: digestOf(MANIFEST),
    dockerReference: 'example.com/app:v1',
    creator: 'skiff 0.1.0',
    timestamp: 1700000000,
  })
  await writeFile(join(dir, 'payload'), sig.payload)
  await writeFile(join(dir, 'sig'), Buffer.from(sig.annotations[SIGSTORE_SIGNATURE_ANNOTATION]!, 'base64'))
  await writeFile(join(dir, 'key.pub'), publicKeyPem(key))
  await writeFile(join(dir, 'other.pub'), publicKeyPem(other))
  const ok = await run('openssl', [
    'dgst',
    '-sha256',
    '-verify',
    join(dir, 'key.pub'),
    '-signature',
    join(dir, 'sig'),
    join(dir, 'payload'),
  ])
  assert.equal(ok.code, 0, ok.stderr)
  assert.match(ok.stdout, /Verified OK/)
  const bad = await run('openssl', [
    'dgst',
    '-sha256',
    '-verify',
    join(dir, 'other.pub'),
    '-signature',
    join(dir, 'sig'),
    join(dir, 'payload'),
  ])
  assert.notEqual(bad.code, 0)
})

test('a signature openssl creates verifies with skiff', async () => {
  requireTool('openssl')
  await writeFile(join(dir, 'key.pem'), key.export({ type: 'pkcs8', format: 'pem' }))
  await writeFile(join(dir, 'msg'), 'a message')
  const r = await run('openssl', [
    'dgst',
    '-sha256',
    '-sign',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'msg.sig'),
    join(dir, 'msg'),
  ])
  assert.equal(r.code, 0, r.stderr)
  verifyMessage(key, Buffer.from('a message'), await readFile(join(dir, 'msg.sig')))
  assert.throws(() => verifyMessage(key, Buffer.from('a messagE'), Buffer.alloc(0)), {
    message: 'ecdsa: Invalid IEEE_P1363 encoded bytes',
  })
})

test("wrong key, tampered payload, bad base64: refused with sigstore's words, before the payload is read", () => {
  const sig = createSigstoreSignature(MANIFEST, 'example.com/app:v1', key)
  const b64 = sig.annotations[SIGSTORE_SIGNATURE_ANNOTATION]!
  const never: SigstorePayloadRules = {
    validateManifestDigest: () => assert.fail('payload read before the signature verified'),
    validateDockerReference: () => assert.fail('payload read before the signature verified'),
  }
  const refused = (message: string) => (e: unknown) => e instanceof InvalidSignatureError && e.message === message
  assert.throws(
    () => verifySigstorePayload([other], sig.payload, b64, never),
    refused('cryptographic signature verification failed: invalid signature when validating ASN.1 encoded signature'),
  )
  assert.throws(
    () => verifySigstorePayload([other, ec()], sig.payload, b64, never),
    refused(
      'cryptographic signature verification failed: invalid signature when validating ASN.1 encoded signature, invalid signature when validating ASN.1 encoded signature',
    ),
  )
  const tampered = Buffer.from(sig.payload.toString().replace('app:v1', 'app:v2'))
  assert.throws(() => verifySigstorePayload([key], tampered, b64, never), /cryptographic signature verification failed/)
  assert.throws(
    () => verifySigstorePayload([key], sig.payload, 'not*base64', never),
    refused('base64 decoding: illegal base64 data at input byte 3'),
  )
  // one of several keys is enough, and the rules then see the claims
  const seen: string[] = []
  verifySigstorePayload([other, key], sig.payload, b64, {
    validateManifestDigest: (d) => void seen.push(d),
    validateDockerReference: (r) => void seen.push(r),
  })
  assert.deepEqual(seen, [digestOf(MANIFEST), 'example.com/app:v1'])
  // a rule's refusal is passed on as it is
  assert.throws(
    () =>
      verifySigstorePayload([key], sig.payload, b64, {
        validateManifestDigest: () => {
          throw new Error('Signature for digest … does not match')
        },
        validateDockerReference: () => {},
      }),
    { message: 'Signature for digest … does not match' },
  )
})

test('IEEE P1363 (r‖s) ECDSA signatures verify too, as in sigstore', () => {
  const msg = Buffer.from('payload')
  const p1363 = sign('sha256', msg, { key, dsaEncoding: 'ieee-p1363' })
  verifyMessage(key, msg, p1363)
  assert.throws(() => verifyMessage(other, msg, p1363), {
    message: 'invalid signature when validating IEEE_P1363 encoded signature',
  })
})

test('RSA (PKCS #1 v1.5, SHA-256) and Ed25519 keys sign and verify', () => {
  const msg = Buffer.from('payload')
  for (const [kind, k, o] of [
    [
      'rsa',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
    ],
    ['ed25519', generateKeyPairSync('ed25519').privateKey, generateKeyPairSync('ed25519').privateKey],
  ] as const) {
    const s = signMessage(k, msg)
    verifyMessage(parseSigstorePublicKey(publicKeyPem(k)), msg, s)
    assert.throws(
      () => verifyMessage(o, msg, s),
      kind === 'rsa' ? /crypto\/rsa: verification error/ : /failed to verify signature/,
    )
  }
  const rsaPub = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey
  const pkcs1 = rsaPub.export({ type: 'pkcs1', format: 'pem' })
  assert.equal(parseSigstorePublicKey(Buffer.from(pkcs1)).asymmetricKeyType, 'rsa')
  assert.throws(
    () =>
      parseSigstorePublicKey(
        publicKeyPem(
          createPrivateKey(generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' })),
        ),
      ),
    /unsupported key type x25519/,
  )
})
