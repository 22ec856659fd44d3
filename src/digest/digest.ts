import { createHash, type Hash } from 'node:crypto'
import { SkiffError } from '../errors.js'

/** A content digest, `algorithm:hex`, as the OCI image spec defines it. */
export type Digest = string

const ALGORITHMS: Record<string, { hash: string; hexLength: number }> = {
  sha256: { hash: 'sha256', hexLength: 64 },
  sha512: { hash: 'sha512', hexLength: 128 },
}

/** The algorithm's entry; never an Object.prototype member ("constructor", "toString"). */
function algorithmOf(name: string): { hash: string; hexLength: number } | undefined {
  return Object.hasOwn(ALGORITHMS, name) ? ALGORITHMS[name] : undefined
}

const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/

export interface ParsedDigest {
  algorithm: string
  hex: string
}

/** Whether s[from…] is lowercase hex digits only. */
function isLowerHexFrom(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false
  }
  return true
}

/** Parses and validates a digest; throws a clear error for anything malformed or unsupported. */
export function parseDigest(s: string): ParsedDigest {
  // the common case without the regular expressions (store paths parse every digest several times)
  if (s.length === 71 && s.startsWith('sha256:') && isLowerHexFrom(s, 7))
    return { algorithm: 'sha256', hex: s.slice(7) }
  const m = DIGEST_RE.exec(s)
  if (!m) throw new SkiffError('ERR_INVALID_ARGUMENT', `invalid digest "${s}": expected algorithm:hex`)
  const algorithm = m[1]!
  const hex = m[2]!
  const alg = algorithmOf(algorithm)
  if (!alg) throw new SkiffError('ERR_UNSUPPORTED', `unsupported digest algorithm "${algorithm}" in "${s}"`)
  if (hex.length !== alg.hexLength || !/^[a-f0-9]+$/.test(hex)) {
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `invalid ${algorithm} digest "${s}": expected ${alg.hexLength} lowercase hex digits`,
    )
  }
  return { algorithm, hex }
}

export function isValidDigest(s: string): boolean {
  try {
    parseDigest(s)
    return true
  } catch {
    return false
  }
}

/** The hex part of a digest (validated). */
export function digestHex(d: Digest): string {
  return parseDigest(d).hex
}

export function newHasher(algorithm = 'sha256'): Hash {
  const alg = algorithmOf(algorithm)
  if (!alg) throw new SkiffError('ERR_UNSUPPORTED', `unsupported digest algorithm "${algorithm}"`)
  return createHash(alg.hash)
}

/** Digest of exact bytes. */
export function digestOf(bytes: Uint8Array | string, algorithm = 'sha256'): Digest {
  return `${algorithm}:${newHasher(algorithm).update(bytes).digest('hex')}`
}

export function shortHex(d: Digest, n = 12): string {
  const i = d.indexOf(':')
  return d.slice(i + 1, i + 1 + n)
}
