/**
 * sigstoreSigned in-process: every key source, the identity and digest checks, and each refusal with
 * containers/image's message (policy_eval_sigstore.go), through the policy context as a copy sees it.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPolicyContext } from '../../../src/policy/context.js'
import type { PolicyImage } from '../../../src/policy/types.js'
import { parseImageName } from '../../../src/transports/registry.js'
import { createSigstoreSignature } from '../../../src/signature/sigstore/sign.js'
import { publicKeyPem } from '../../../src/signature/sigstore/keys.js'
import { simpleSigning, sigstoreSignature, type Signature } from '../../../src/signature/types.js'
import { digestOf } from '../../../src/digest/digest.js'

const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}')
const REF = 'docker://example.com/app:v1'
const ec = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey

let dir: string
let key: KeyObject
let other: KeyObject
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-sigstore-policy-'))
  key = ec()
  other = ec()
  await writeFile(join(dir, 'key.pub'), publicKeyPem(key))
  await writeFile(join(dir, 'other.pub'), publicKeyPem(other))
  await writeFile(join(dir, 'bad.pub'), 'not a key')
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

function image(signatures: Signature[], ref = REF, manifest = MANIFEST): PolicyImage {
  return {
    reference: parseImageName(ref),
    manifest: async () => ({ bytes: manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json' }),
    signatures: async () => signatures,
  }
}

/** Evaluates `requirement` (fields besides type) for `img`; resolves to undefined or the error message. */
async function verdict(requirement: Record<string, unknown>, img: PolicyImage): Promise<string | undefined> {
  const path = join(dir, `policy-${Math.random().toString(36).slice(2)}.json`)
  await writeFile(path, JSON.stringify({ default: [{ type: 'sigstoreSigned', ...requirement }] }))
  const policy = await loadPolicyContext({ policyPath: path })
  try {
    await policy.isRunningImageAllowed(img)
    return undefined
  } catch (e) {
    return (e as Error).message
  } finally {
    await rm(path)
  }
}

const signed = (k: KeyObject, identity = 'example.com/app:v1', manifest = MANIFEST): Signature =>
  createSigstoreSignature(manifest, identity, k)
const R = 'Source image rejected: '

test('accepted with keyPath, keyPaths (any of them), keyData and keyDatas', async () => {
  const img = image([signed(key)])
  const pem = publicKeyPem(key).toString('base64')
  assert.equal(await verdict({ keyPath: join(dir, 'key.pub') }, img), undefined)
  assert.equal(await verdict({ keyPaths: [join(dir, 'other.pub'), join(dir, 'key.pub')] }, img), undefined)
  assert.equal(await verdict({ keyData: pem }, img), undefined)
  assert.equal(await verdict({ keyDatas: [publicKeyPem(other).toString('base64'), pem] }, img), undefined)
  // one good signature among bad ones is enough
  assert.equal(await verdict({ keyPath: join(dir, 'key.pub') }, image([signed(other), signed(key)])), undefined)
})

test('identity matchers and the manifest digest are checked', async () => {
  const keyPath = join(dir, 'key.pub')
  assert.equal(
    await verdict({ keyPath }, image([signed(key, 'example.com/app:v2')])),
    `${R}Signature for identity "example.com/app:v2" is not accepted`,
  )
  assert.equal(
    await verdict({ keyPath, signedIdentity: { type: 'matchRepository' } }, image([signed(key, 'example.com/app:v2')])),
    undefined,
  )
  assert.equal(
    await verdict(
      { keyPath, signedIdentity: { type: 'exactReference', dockerReference: 'example.com/app:v1' } },
      image([signed(key)], 'dir:/nonexistent'),
    ),
    undefined,
  )
  assert.equal(
    await verdict({ keyPath }, image([signed(key)], 'dir:/nonexistent')),
    `${R}Signature for identity "example.com/app:v1" is not accepted`,
  )
  const otherManifest = Buffer.from(`${MANIFEST.toString()} `)
  assert.equal(
    await verdict({ keyPath }, image([signed(key, 'example.com/app:v1', otherManifest)])),
    `${R}Signature for digest ${digestOf(otherManifest)} does not match`,
  )
})

test('refusals: wrong key, several reasons, none at all, other formats, missing annotation, bad keys', async () => {
  const keyPath = join(dir, 'key.pub')
  const bad = 'cryptographic signature verification failed: invalid signature when validating ASN.1 encoded signature'
  assert.equal(await verdict({ keyPath }, image([signed(other)])), `${R}${bad}`)
  assert.equal(
    await verdict({ keyPath }, image([signed(other), signed(other)])),
    `${R}None of the signatures were accepted, reasons: ${bad}; ${bad}`,
  )
  assert.equal(await verdict({ keyPath }, image([])), `${R}A signature was required, but no signature exists`)
  assert.equal(
    await verdict(
      { keyPath },
      image([
        simpleSigning(Buffer.from([0xa3, 1])),
        sigstoreSignature('application/vnd.in-toto+json', Buffer.from('{}'), {}),
      ]),
    ),
    `${R}A signature was required, but no signature exists (1 non-sigstore signatures, 1 sigstore non-signature attachments)`,
  )
  const s = signed(key)
  assert.equal(
    await verdict(
      { keyPath },
      image([sigstoreSignature(s.format === 'sigstore-json' ? s.mimeType : '', Buffer.from('x'), {})]),
    ),
    `${R}missing dev.cosignproject.cosign/signature annotation`,
  )
  assert.equal(
    await verdict({ keyPath: join(dir, 'bad.pub') }, image([s])),
    `${R}parsing public key 1: PEM decoding failed`,
  )
  assert.equal(
    await verdict({ keyPath: join(dir, 'missing.pub') }, image([s])),
    `${R}open ${join(dir, 'missing.pub')}: no such file or directory`,
  )
})

test('Fulcio, PKI and Rekor requirements are refused, never accepted', async () => {
  const img = image([signed(key)])
  const msg = await verdict(
    {
      fulcio: { caData: Buffer.from('x').toString('base64'), oidcIssuer: 'https://issuer', subjectEmail: 'a@b' },
      rekorPublicKeyData: publicKeyPem(key).toString('base64'),
    },
    img,
  )
  assert.match(
    msg ?? '',
    /^Source image rejected: sigstoreSigned with fulcio is not supported by this version of skiff/,
  )
  const rekor = await verdict({ keyPath: join(dir, 'key.pub'), rekorPublicKeyPath: join(dir, 'key.pub') }, img)
  assert.match(rekor ?? '', /sigstoreSigned with rekorPublicKey… is not supported/)
})
