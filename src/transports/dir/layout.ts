/**
 * The file names of skopeo's directory layout (`dir:`), as containers/image's directory transport
 * writes them.
 */
import { parseDigest, type Digest } from '../../digest/digest.js'

export const VERSION_FILE = 'version'
export const VERSION_CONTENT = 'Directory Transport Version: 1.1\n'
export const MANIFEST_FILE = 'manifest.json'

/** `<hex>` for sha256, `<alg>-<hex>` for other algorithms. Validates the digest (no `..` can sneak in). */
export function blobFileName(d: Digest): string {
  const { algorithm, hex } = parseDigest(d)
  return algorithm === 'sha256' ? hex : `${algorithm}-${hex}`
}

/** Names a blob may have been written under (skopeo 1.9 writes the bare hex for every algorithm). */
export function blobFileCandidates(d: Digest): string[] {
  const { algorithm, hex } = parseDigest(d)
  return algorithm === 'sha256' ? [hex] : [`${algorithm}-${hex}`, hex]
}

export function manifestFileName(instance?: Digest): string {
  return instance === undefined ? MANIFEST_FILE : `${parseDigest(instance).hex}.manifest.json`
}

/** Signature `index` (0-based) → `signature-1`, … ; per instance `<hex>.signature-1`, … */
export function signatureFileName(index: number, instance?: Digest): string {
  return instance === undefined ? `signature-${index + 1}` : `${parseDigest(instance).hex}.signature-${index + 1}`
}
