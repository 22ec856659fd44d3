/**
 * Passphrase encryption of private keys as cosign and containers/image do it
 * (go-securesystemslib's `encrypted` package): a JSON object naming scrypt (N, r=8, p=1, a
 * 32-byte salt) and NaCl secretbox (XSalsa20-Poly1305, a 24-byte nonce) with the ciphertext.
 * Written with N=32768, which every containers/image accepts; read with N 32768, 65536 or
 * 131072 (the three parameter sets the Go package accepts; others are refused before scrypt
 * runs, so a tampered file cannot make it use gigabytes).
 */
import { randomBytes, scrypt as scryptCallback } from 'node:crypto'
import { JsonObject, parseStrictJson, type JsonValue } from '../../config/policy-json.js'

const SALT_SIZE = 32
const KEY_SIZE = 32
const NONCE_SIZE = 24
/** Accepted scrypt parameters (legacy, standard, OWASP in go-securesystemslib). */
const ACCEPTED_N = [32768, 65536, 131072]
/** What skiff writes: the "legacy" set, the only one older containers/image releases read. */
export const WRITE_SCRYPT_N = 32768
const SCRYPT_R = 8
const SCRYPT_P = 1

/** Why decrypting failed, in go-securesystemslib's words; `wrongPassphrase` when the box did not open. */
export class DecryptError extends Error {
  constructor(
    message: string,
    readonly wrongPassphrase = false,
  ) {
    super(message)
  }
}

function scrypt(passphrase: Uint8Array, salt: Uint8Array, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128·N·r bytes; allow twice that.
    scryptCallback(
      passphrase,
      salt,
      KEY_SIZE,
      { N: n, r: SCRYPT_R, p: SCRYPT_P, maxmem: 256 * n * SCRYPT_R },
      (e, k) => (e ? reject(e) : resolve(k)),
    )
  })
}

async function secretbox(): Promise<typeof import('@noble/ciphers/salsa.js')> {
  return import('@noble/ciphers/salsa.js')
}

/** Encrypts `plaintext` with `passphrase`; returns the JSON text (Go's json.Marshal of the object). */
export async function encryptWithPassphrase(plaintext: Uint8Array, passphrase: Uint8Array): Promise<Buffer> {
  const salt = randomBytes(SALT_SIZE)
  const nonce = randomBytes(NONCE_SIZE)
  const key = await scrypt(passphrase, salt, WRITE_SCRYPT_N)
  const { xsalsa20poly1305 } = await secretbox()
  const ciphertext = xsalsa20poly1305(key, nonce).encrypt(plaintext)
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
  return Buffer.from(
    `{"kdf":{"name":"scrypt","params":{"N":${WRITE_SCRYPT_N},"r":${SCRYPT_R},"p":${SCRYPT_P}},"salt":"${b64(salt)}"},` +
      `"cipher":{"name":"nacl/secretbox","nonce":"${b64(nonce)}"},"ciphertext":"${b64(ciphertext)}"}`,
  )
}

/**
 * A member of a JSON object as encoding/json finds it for a struct field: the exact name, else a
 * case-insensitive match; the last one in the text wins. Unknown members are ignored.
 */
function member(v: JsonValue | undefined, name: string): JsonValue | undefined {
  if (!(v instanceof JsonObject)) return undefined
  let found: JsonValue | undefined
  for (const [k, val] of v.entries) if (k.toLowerCase() === name.toLowerCase()) found = val
  return found
}

function expectObject(v: JsonValue | undefined, what: string): void {
  if (v !== undefined && v !== null && !(v instanceof JsonObject))
    throw new DecryptError(
      `json: cannot unmarshal ${typeof v === 'object' ? 'array' : typeof v} into Go struct field ${what}`,
    )
}

function str(v: JsonValue | undefined, what: string): string {
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string')
    throw new DecryptError(`json: cannot unmarshal into Go struct field ${what} of type string`)
  return v
}

function int(v: JsonValue | undefined, what: string): number {
  if (v === undefined || v === null) return 0
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new DecryptError(`json: cannot unmarshal into Go struct field ${what} of type int`)
  return v
}

/** A []byte member: standard base64 with padding (Go ignores \r and \n in it). */
function bytes(v: JsonValue | undefined, what: string): Buffer {
  const s = str(v, what).replace(/[\r\n]/g, '')
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s))
    throw new DecryptError(`illegal base64 data in Go struct field ${what}`)
  return Buffer.from(s, 'base64')
}

/** Decrypts what encryptWithPassphrase (or cosign, or containers/image) wrote. */
export async function decryptWithPassphrase(data: Uint8Array, passphrase: Uint8Array): Promise<Buffer> {
  let root: JsonValue
  try {
    root = parseStrictJson(Buffer.from(data).toString('utf8'))
  } catch (e) {
    throw new DecryptError((e as Error).message)
  }
  if (!(root instanceof JsonObject))
    throw new DecryptError('json: cannot unmarshal into Go value of type encrypted.data')
  const kdf = member(root, 'kdf')
  const cipher = member(root, 'cipher')
  expectObject(kdf, 'data.kdf')
  expectObject(cipher, 'data.cipher')
  const params = member(kdf, 'params')
  expectObject(params, 'scryptKDF.params')
  const kdfName = str(member(kdf, 'name'), 'scryptKDF.name')
  const cipherName = str(member(cipher, 'name'), 'secretBoxCipher.name')
  if (kdfName !== 'scrypt') throw new DecryptError(`encrypted: unknown kdf name ${JSON.stringify(kdfName)}`)
  if (cipherName !== 'nacl/secretbox')
    throw new DecryptError(`encrypted: unknown cipher name ${JSON.stringify(cipherName)}`)
  const n = int(member(params, 'N'), 'scryptParams.N')
  const r = int(member(params, 'r'), 'scryptParams.r')
  const p = int(member(params, 'p'), 'scryptParams.p')
  if (!ACCEPTED_N.includes(n) || r !== SCRYPT_R || p !== SCRYPT_P)
    throw new DecryptError('unsupported scrypt parameters')
  const salt = bytes(member(kdf, 'salt'), 'scryptKDF.salt')
  const nonce = bytes(member(cipher, 'nonce'), 'secretBoxCipher.nonce')
  const ciphertext = bytes(member(root, 'ciphertext'), 'data.ciphertext')
  const key = await scrypt(passphrase, salt, n)
  if (nonce.length !== NONCE_SIZE) throw new DecryptError('encrypted: incorrect nonce size')
  const { xsalsa20poly1305 } = await secretbox()
  try {
    return Buffer.from(xsalsa20poly1305(key, nonce).decrypt(ciphertext))
  } catch {
    throw new DecryptError('encrypted: decryption failed', true)
  }
}
