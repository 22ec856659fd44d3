/**
 * OpenPGP verification in-process (the `openpgp` package), standing in for containers/image's
 * gpgme mechanism with an ephemeral keyring (signature/mechanism_gpgme.go): the keys a policy or
 * --public-key-file names, verification of a simple-signing message, and reading a message's
 * contents without verifying (untrusted-signature-dump-without-verification). Messages follow
 * gpgme's where a user meets them: a signature by a key not in the keyring is gpgme's
 * "Invalid GPG signature: gpgme.Signature{…}" with the same fields.
 *
 * openpgp (about 0.75 MB of code, ~80 ms of CPU to load) is imported on first use: a sync or copy
 * without signatures never loads it.
 */
import type * as OpenPGP from 'openpgp'
import { InvalidSignatureError } from './errors.js'

let loading: Promise<typeof OpenPGP> | undefined
const load = (): Promise<typeof OpenPGP> => (loading ??= import('openpgp'))

/**
 * The keys are `OpenPGP.Key` objects, typed opaquely here: the library's public types must not
 * need openpgp's own (whose .d.ts imports packages a user does not have).
 */
export interface Keyring {
  readonly keys: readonly object[]
  /** The primary keys' fingerprints, upper-case hex (gpgme's import result). */
  readonly fingerprints: string[]
}

const keysOf = (ring: Keyring): OpenPGP.Key[] => ring.keys as OpenPGP.Key[]

const ARMOR = /^\s*-----BEGIN PGP /

async function readKeyBlob(blob: Uint8Array): Promise<OpenPGP.Key[]> {
  const openpgp = await load()
  const text = Buffer.from(blob).toString('latin1')
  try {
    if (ARMOR.test(text)) return await openpgp.readKeys({ armoredKeys: text })
    return await openpgp.readKeys({ binaryKeys: blob })
  } catch {
    return [] // gpgme imports what it can; nothing usable is "No public keys imported" upstream
  }
}

/** An ephemeral keyring of every key in `blobs` (armored or binary, one or more keys each). */
export async function importKeys(blobs: Uint8Array[]): Promise<Keyring> {
  const keys: OpenPGP.Key[] = []
  for (const b of blobs) for (const k of await readKeyBlob(b)) keys.push(k.isPrivate() ? k.toPublic() : k)
  const fingerprints = [...new Set(keys.map((k) => k.getFingerprint().toUpperCase()))]
  return { keys, fingerprints }
}

async function readSignedMessage(sig: Uint8Array): Promise<OpenPGP.Message<Uint8Array>> {
  const openpgp = await load()
  const text = Buffer.from(sig.subarray(0, 64)).toString('latin1')
  try {
    if (ARMOR.test(text))
      return (await openpgp.readMessage({ armoredMessage: Buffer.from(sig).toString('latin1') })) as never
    return await openpgp.readMessage({ binaryMessage: Buffer.from(sig) })
  } catch (e) {
    throw new InvalidSignatureError(gpgmeReadError(sig, e))
  }
}

/** What gpgme says of input it cannot read as OpenPGP. */
function gpgmeReadError(sig: Uint8Array, e: unknown): string {
  const first = sig[0] ?? 0
  if (sig.length === 0 || (first & 0x80) === 0) return 'No data'
  if (/compress/i.test((e as Error).message)) return 'Unknown compression algorithm'
  return `Invalid GPG signature: ${(e as Error).message}`
}

/** Go's %#v of a time.Time in time.Local. */
function goLocalTime(d: Date): string {
  const months = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ]
  return `time.Date(${d.getFullYear()}, time.${months[d.getMonth()]}, ${d.getDate()}, ${d.getHours()}, ${d.getMinutes()}, ${d.getSeconds()}, 0, time.Local)`
}

interface SigFacts {
  fingerprint: string
  created: Date
  publicKeyAlgorithm: number
  hashAlgorithm: number
}

/** gpgme's dump of a signature it did not accept (summary and error code as gpgme sets them). */
function gpgmeInvalid(f: SigFacts, summary: number, err: number): InvalidSignatureError {
  return new InvalidSignatureError(
    `Invalid GPG signature: gpgme.Signature{Summary:${summary}, Fingerprint:${JSON.stringify(f.fingerprint)}, Status:gpgme.Error{err:0x${err.toString(16)}}, Timestamp:${goLocalTime(f.created)}, ExpTimestamp:${goLocalTime(new Date(0))}, WrongKeyUsage:false, PKATrust:0x0, ChainModel:false, Validity:0, ValidityReason:error(nil), PubkeyAlgo:${f.publicKeyAlgorithm}, HashAlgo:${f.hashAlgorithm}}`,
  )
}

type VerificationResult = Awaited<ReturnType<typeof OpenPGP.verify>>['signatures'][number]

async function facts(result: VerificationResult): Promise<SigFacts> {
  const packet = (await result.signature).packets[0]!
  const fingerprint = packet.issuerFingerprint
    ? Buffer.from(packet.issuerFingerprint).toString('hex').toUpperCase()
    : result.keyID.toHex().toUpperCase()
  return {
    fingerprint,
    created: packet.created ?? new Date(0),
    publicKeyAlgorithm: Number(packet.publicKeyAlgorithm),
    hashAlgorithm: Number(packet.hashAlgorithm),
  }
}

/**
 * Verifies a simple-signing message against `keyring`: the signed contents and the fingerprint of
 * the key that made the signature (a subkey's own fingerprint when a subkey signed, as gpgme).
 */
export async function verifyMessage(
  keyring: Keyring,
  sig: Uint8Array,
): Promise<{ contents: Buffer; keyIdentity: string }> {
  const openpgp = await load()
  const message = await readSignedMessage(sig)
  let result: Awaited<ReturnType<typeof OpenPGP.verify<Uint8Array>>>
  try {
    result = await openpgp.verify({ message, verificationKeys: keysOf(keyring), format: 'binary' })
  } catch (e) {
    throw new InvalidSignatureError(`Invalid GPG signature: ${(e as Error).message}`)
  }
  if (result.signatures.length !== 1)
    throw new InvalidSignatureError(`Unexpected GPG signature count ${result.signatures.length}`)
  const one = result.signatures[0]!
  const f = await facts(one).catch((e: unknown) => {
    throw new InvalidSignatureError(`Invalid GPG signature: ${(e as Error).message}`)
  })
  let signer: { getFingerprint(): string } | undefined
  for (const k of keysOf(keyring)) {
    const found = k.getKeys(one.keyID)[0]
    if (found) {
      signer = found
      break
    }
  }
  // GPGME_SIGSUM_KEY_MISSING, GPG_ERR_NO_PUBKEY
  if (!signer) throw gpgmeInvalid(f, 128, 0x9)
  try {
    await one.verified
  } catch {
    // GPGME_SIGSUM_RED, GPG_ERR_BAD_SIGNATURE
    throw gpgmeInvalid({ ...f, fingerprint: signer.getFingerprint().toUpperCase() }, 4, 0x8)
  }
  return { contents: Buffer.from(result.data), keyIdentity: signer.getFingerprint().toUpperCase() }
}

/**
 * A message's contents and the short (16 hex) ID of the key that claims to have signed it, WITHOUT
 * verifying anything (containers/image gpgUntrustedSignatureContents).
 */
export async function untrustedContents(sig: Uint8Array): Promise<{ contents: Buffer; shortKeyIdentifier: string }> {
  const message = await readSignedMessage(sig)
  const ids = message.getSigningKeyIDs()
  if (ids.length === 0) throw new InvalidSignatureError('The input is not a signature')
  const data = message.getLiteralData()
  if (data === null) throw new InvalidSignatureError('The input is not a signature')
  return { contents: Buffer.from(data as Uint8Array), shortKeyIdentifier: ids[0]!.toHex().toUpperCase() }
}
