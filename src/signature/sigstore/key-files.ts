/**
 * `generate-sigstore-key`'s files: PREFIX.private (mode 0600, encrypted) and PREFIX.pub (0644),
 * never overwriting an existing file, and never leaving one of the two behind when the other
 * could not be written. Each file is written to a temp file, synced, then hard-linked to its name
 * (which fails if the name appeared meanwhile) so a reader never sees half a key.
 */
import { link, open, rm, stat } from 'node:fs/promises'
import { SkiffError } from '../../errors.js'
import { registerTempPath, unregisterTempPath } from '../../util/cleanup.js'
import { tempPathFor } from '../../util/atomic.js'
import { generateSigstoreKeyPair } from './keys.js'

export interface SigstoreKeyFiles {
  privateKeyPath: string
  publicKeyPath: string
}

async function ensureAbsent(path: string): Promise<void> {
  try {
    await stat(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new SkiffError('ERR_IO', `Error checking existence of ${JSON.stringify(path)}: ${(e as Error).message}`, {
      cause: e,
    })
  }
  throw new SkiffError('ERR_INVALID_ARGUMENT', `Refusing to overwrite existing ${JSON.stringify(path)}`)
}

async function writeNew(path: string, data: Uint8Array, mode: number): Promise<void> {
  const tmp = tempPathFor(path)
  registerTempPath(tmp)
  try {
    const fh = await open(tmp, 'wx', mode)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await link(tmp, path)
  } finally {
    await rm(tmp, { force: true })
    unregisterTempPath(tmp)
  }
}

function writeFailure(what: string, path: string, e: unknown): SkiffError {
  const code = (e as NodeJS.ErrnoException).code
  const why =
    code === 'EEXIST' ? 'the file appeared while the key was generated; nothing was overwritten' : (e as Error).message
  return new SkiffError('ERR_IO', `Error writing ${what} to ${JSON.stringify(path)}: ${why}`, { cause: e })
}

/** The two paths for PREFIX; throws when either exists (checked before asking for a passphrase). */
export async function checkSigstoreKeyFilesAbsent(prefix: string): Promise<SigstoreKeyFiles> {
  const publicKeyPath = `${prefix}.pub`
  const privateKeyPath = `${prefix}.private`
  await ensureAbsent(publicKeyPath)
  await ensureAbsent(privateKeyPath)
  return { privateKeyPath, publicKeyPath }
}

/** Generates a key pair and writes PREFIX.private and PREFIX.pub (skopeo generate-sigstore-key). */
export async function writeSigstoreKeyFiles(prefix: string, passphrase: Uint8Array): Promise<SigstoreKeyFiles> {
  const { privateKeyPath, publicKeyPath } = await checkSigstoreKeyFilesAbsent(prefix)
  const keys = await generateSigstoreKeyPair(passphrase)
  try {
    await writeNew(privateKeyPath, keys.privateKey, 0o600)
  } catch (e) {
    throw writeFailure('private key', privateKeyPath, e)
  }
  try {
    await writeNew(publicKeyPath, keys.publicKey, 0o644)
  } catch (e) {
    await rm(privateKeyPath, { force: true })
    throw writeFailure('public key', publicKeyPath, e)
  }
  return { privateKeyPath, publicKeyPath }
}
