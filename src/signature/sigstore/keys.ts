/**
 * Sigstore key files as cosign and containers/image write and read them: the private key is PKCS #8
 * DER, passphrase-encrypted (encrypted.ts), in a PEM block "ENCRYPTED COSIGN PRIVATE KEY" (what
 * containers/image writes, so every cosign reads it) or "ENCRYPTED SIGSTORE PRIVATE KEY" (newer
 * cosign); the public key is PKIX DER in a "PUBLIC KEY" block (or PKCS #1 "RSA PUBLIC KEY").
 * New keys are ECDSA P-256, the one scheme the sigstore signature spec requires.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCallback,
  type KeyObject,
} from 'node:crypto'
import { decodePem, encodePem } from './pem.js'
import { DecryptError, decryptWithPassphrase, encryptWithPassphrase } from './encrypted.js'

export const COSIGN_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED COSIGN PRIVATE KEY'
export const SIGSTORE_PRIVATE_KEY_PEM_TYPE = 'ENCRYPTED SIGSTORE PRIVATE KEY'

/** A key file could not be used; `wrongPassphrase` when the passphrase did not open it. */
export class SigstoreKeyError extends Error {
  constructor(
    message: string,
    readonly wrongPassphrase = false,
  ) {
    super(message)
  }
}

export interface GeneratedKeyPair {
  /** PEM text for `PREFIX.pub`. */
  publicKey: Buffer
  /** PEM text for `PREFIX.private` (encrypted with the passphrase). */
  privateKey: Buffer
}

/** A new ECDSA P-256 key pair, the private key encrypted with `passphrase` (sigstore.GenerateKeyPair). */
export async function generateSigstoreKeyPair(passphrase: Uint8Array): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = await new Promise<{ privateKey: KeyObject; publicKey: KeyObject }>(
    (resolve, reject) =>
      generateKeyPairCallback('ec', { namedCurve: 'prime256v1' }, (e, pub, priv) =>
        e ? reject(e) : resolve({ publicKey: pub, privateKey: priv }),
      ),
  )
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' })
  const encrypted = await encryptWithPassphrase(pkcs8, passphrase)
  return {
    privateKey: encodePem(COSIGN_PRIVATE_KEY_PEM_TYPE, encrypted),
    publicKey: encodePem('PUBLIC KEY', publicKey.export({ type: 'spki', format: 'der' })),
  }
}

/** The key types sigstore signs and verifies with (RSA PKCS #1 v1.5, ECDSA, Ed25519; all SHA-256 but Ed25519). */
function checkKeyType(key: KeyObject, what: string): KeyObject {
  const t = key.asymmetricKeyType
  if (t !== 'ec' && t !== 'rsa' && t !== 'ed25519') throw new SigstoreKeyError(`${what}: unsupported key type ${t}`)
  return key
}

/** Decrypts and parses a private key file's contents (sigstore loadPrivateKey). */
export async function loadSigstorePrivateKey(pem: Uint8Array, passphrase: Uint8Array): Promise<KeyObject> {
  const block = decodePem(Buffer.from(pem))
  if (!block) throw new SigstoreKeyError('invalid pem block')
  if (block.type !== SIGSTORE_PRIVATE_KEY_PEM_TYPE && block.type !== COSIGN_PRIVATE_KEY_PEM_TYPE)
    throw new SigstoreKeyError(`unsupported pem type: ${block.type}`)
  let der: Buffer
  try {
    der = await decryptWithPassphrase(block.bytes, passphrase)
  } catch (e) {
    if (e instanceof DecryptError) throw new SigstoreKeyError(`decrypt: ${e.message}`, e.wrongPassphrase)
    throw e
  }
  let key: KeyObject
  try {
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } catch (e) {
    throw new SigstoreKeyError(`parsing private key: ${(e as Error).message}`)
  }
  return checkKeyType(key, 'parsing private key')
}

/** Parses a PEM public key (cryptoutils.UnmarshalPEMToPublicKey). */
export function parseSigstorePublicKey(pem: Uint8Array): KeyObject {
  const block = decodePem(Buffer.from(pem))
  if (!block) throw new SigstoreKeyError('PEM decoding failed')
  let key: KeyObject
  try {
    if (block.type === 'PUBLIC KEY') key = createPublicKey({ key: block.bytes, format: 'der', type: 'spki' })
    else if (block.type === 'RSA PUBLIC KEY') key = createPublicKey({ key: block.bytes, format: 'der', type: 'pkcs1' })
    else
      throw new SigstoreKeyError(
        `unknown Public key PEM file type: ${block.type}. Are you passing the correct public key?`,
      )
  } catch (e) {
    if (e instanceof SigstoreKeyError) throw e
    throw new SigstoreKeyError(`x509: failed to parse public key: ${(e as Error).message}`)
  }
  return checkKeyType(key, 'parsing public key')
}

/** The public half of a private key, as PEM (what a signer would upload to Rekor; used in messages and tests). */
export function publicKeyPem(key: KeyObject): Buffer {
  return encodePem('PUBLIC KEY', createPublicKey(key).export({ type: 'spki', format: 'der' }))
}
