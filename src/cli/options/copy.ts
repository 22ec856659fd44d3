/**
 * `copy`'s flags and their normalization into one typed request (CopyOptions minus what only the
 * running command has: policy, signal, progress). Deep code never sees argv.
 */
import type { CompressionOptions, CopyOptions, MultiArch } from '../../copy/options.js'
import type { Platform } from '../../manifest/types.js'
import { SkiffError } from '../../errors.js'
import { parsePlatform } from '../../manifest/platform.js'
import { parseNormalizedReference, type DockerReference } from '../../reference/docker-reference.js'
import type { FlagSpec, FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'
import { type GlobalOptions, withRegistriesConf } from './global.js'
import {
  deprecatedTlsVerifyFlag,
  imageDestFlags,
  imageFlags,
  imageTransportOptions,
  sharedAuthFile,
  sharedImageFlags,
} from './image.js'
import { retryFlags, retryOptionsFrom, type RetryOptions } from './retry.js'
import { signingOptionsFrom } from './signing.js'
import type { SigstoreKeyRequest } from './sigstore-signer.js'

export const copyFlags: readonly FlagSpec[] = [
  ...sharedImageFlags,
  deprecatedTlsVerifyFlag,
  ...imageFlags('src-', 'screds'),
  ...imageDestFlags('dest-', 'dcreds'),
  ...retryFlags,
  { name: 'additional-tag', kind: 'strings', help: 'additional tags (supports docker-archive)' },
  { name: 'all', short: 'a', kind: 'bool', help: 'Copy all images if SOURCE-IMAGE is a list' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress output information when copying images' },
  { name: 'remove-signatures', kind: 'bool', help: 'Do not copy signatures from SOURCE-IMAGE' },
  {
    name: 'sign-by',
    kind: 'string',
    argName: 'FINGERPRINT',
    help: 'Sign the image using a GPG key with the specified FINGERPRINT',
  },
  {
    name: 'sign-by-sigstore-private-key',
    kind: 'string',
    argName: 'PATH',
    help: 'Sign the image using a sigstore private key at PATH',
    complete: 'file',
  },
  {
    name: 'sign-by-sigstore',
    kind: 'string',
    argName: 'PARAM-FILE',
    help: 'Sign the image using a sigstore parameter file at PATH',
    complete: 'file',
  },
  {
    name: 'sign-by-sq-fingerprint',
    kind: 'string',
    argName: 'FINGERPRINT',
    help: 'Sign the image using a Sequoia-PGP key with the specified FINGERPRINT',
  },
  {
    name: 'dest-force-compress-format',
    kind: 'bool',
    help: 'Ensures that the compression algorithm set in --dest-compress-format is used exclusively',
  },
  {
    name: 'sign-identity',
    kind: 'string',
    help: 'Identity of signed image, must be a fully specified docker reference. Defaults to the target docker reference.',
  },
  {
    name: 'sign-passphrase-file',
    kind: 'string',
    argName: 'PATH',
    help: 'Read a passphrase for signing an image from PATH',
    complete: 'file',
  },
  {
    name: 'digestfile',
    kind: 'string',
    help: 'Write the digest of the pushed image to the specified file',
    complete: 'file',
  },
  {
    name: 'format',
    short: 'f',
    kind: 'string',
    help: 'MANIFEST TYPE (oci, v2s1, or v2s2) to use in the destination (default is manifest type of source, with fallbacks)',
    complete: ['oci', 'v2s1', 'v2s2'],
  },
  {
    name: 'encryption-key',
    kind: 'strings',
    help: '*Experimental* key with the encryption protocol to use needed to encrypt the image (e.g. jwe:/path/to/key.pem)',
  },
  {
    name: 'encrypt-layer',
    kind: 'ints',
    help: '*Experimental* the 0-indexed layer indices, with support for negative indexing (e.g. 0 is the first layer, -1 is the last layer)',
  },
  { name: 'decryption-key', kind: 'strings', help: '*Experimental* key needed to decrypt the image' },
  {
    name: 'multi-arch',
    kind: 'string',
    help: 'How to handle multi-architecture images (system, all, index-only, or a list of OS/ARCH[/VARIANT] platforms)',
    complete: ['system', 'all', 'index-only'],
  },
  {
    name: 'strip-removed-platforms',
    kind: 'bool',
    help: 'With a --multi-arch platform list, write a list holding only the copied platforms (changes the list digest)',
  },
  { name: 'preserve-digests', kind: 'bool', help: 'Preserve digests of images and lists' },
  {
    name: 'referrers',
    kind: 'bool',
    help: "Also copy the image's OCI referrers (signatures, SBOMs, attestations whose subject it is), registry to registry (skiff only; implies --preserve-digests)",
  },
  {
    name: 'digest-tags',
    kind: 'bool',
    help: "Also copy the image's cosign digest tags (sha256-<hex>.sig, .att, .sbom), registry to registry (skiff only; implies --preserve-digests)",
  },
  {
    name: 'image-parallel-copies',
    kind: 'int',
    help: 'Maximum number of image layers to be copied (pulled/pushed) simultaneously (default 6)',
  },
]

/** Everything `copy` was asked to do, typed. */
export interface CopyRequest {
  source: string
  destination: string
  /** CopyOptions without policy/signal/onEvent (the running command adds those). */
  options: Omit<CopyOptions, 'policy' | 'signal' | 'onEvent'>
  digestFile?: string
  quiet: boolean
  retry: RetryOptions
  /** Notes for stderr (deprecated or ineffective flags), as skopeo's warnings. */
  warnings: string[]
  /** --sign-by-sigstore-private-key (with --sign-passphrase-file): the running command makes the signer. */
  sigstorePrivateKey?: SigstoreKeyRequest
}

/** skopeo's parseManifestFormat. */
export function parseManifestFormat(s: string): 'oci' | 'v2s1' | 'v2s2' {
  if (s === 'oci' || s === 'v2s1' || s === 'v2s2') return s
  throw new UsageError(`unknown format "${s}". Choose one of the supported formats: 'oci', 'v2s1', or 'v2s2'`)
}

/** `system` | `all` | `index-only` | `os/arch[/variant][,os/arch…]` (the platform list is skiff's extension). */
export function parseMultiArch(s: string): MultiArch {
  if (s === 'system' || s === 'all' || s === 'index-only') return s
  const platforms: Platform[] = []
  for (const item of s.split(',')) {
    try {
      if (/\s/.test(item.trim())) throw new Error('space in platform')
      platforms.push(parsePlatform(item))
    } catch {
      throw new UsageError(
        `unknown multi-arch option "${s}". Choose one of the supported options: 'system', 'all', 'index-only', or a comma-separated list of OS/ARCH[/VARIANT] platforms (e.g. linux/amd64,linux/arm64/v8)`,
      )
    }
  }
  return platforms
}

function parseAdditionalTags(tags: string[]): DockerReference[] {
  return tags.map((t) => {
    let ref: DockerReference
    try {
      ref = parseNormalizedReference(t)
    } catch (e) {
      throw new UsageError(`error parsing additional-tag '${t}': ${(e as Error).message}`)
    }
    if (ref.tag === undefined || ref.digest !== undefined)
      throw new UsageError(`additional-tag '${t}' must be a tagged reference`)
    return ref
  })
}

function unsupported(what: string, flags: string): SkiffError {
  return new SkiffError(
    'ERR_UNSUPPORTED',
    `${what} (${flags}) is not supported by this version of skiff yet; run this copy with skopeo, or without ${flags}`,
  )
}

function compressionFrom(v: FlagValues): CompressionOptions | undefined {
  const compress = v.bool('dest-compress') ?? false
  const decompress = v.bool('dest-decompress') ?? false
  if (compress && decompress) throw new UsageError('--dest-compress and --dest-decompress cannot be used together')
  const c: CompressionOptions = {}
  if (compress) c.mode = 'compress'
  if (decompress) c.mode = 'decompress'
  const format = v.str('dest-compress-format')
  if (format !== undefined) {
    if (format !== 'gzip' && format !== 'zstd')
      throw new UsageError(`unknown compression algorithm "${format}": --dest-compress-format must be gzip or zstd`)
    c.format = format
  }
  const level = v.int('dest-compress-level')
  if (level !== undefined) {
    const [lo, hi] = (c.format ?? 'gzip') === 'zstd' ? [1, 22] : [-1, 9]
    if (level < lo || level > hi)
      throw new UsageError(`--dest-compress-level ${level} is out of range for ${c.format ?? 'gzip'} (${lo}..${hi})`)
    c.level = level
  }
  return Object.keys(c).length ? c : undefined
}

/** Turns copy's flags and arguments into a CopyRequest; throws UsageError / SkiffError on bad input. */
export function copyRequestFrom(args: readonly string[], v: FlagValues, g: GlobalOptions): CopyRequest {
  if (args.length !== 2) throw new UsageError('Exactly two arguments expected')
  const warnings: string[] = []

  // skopeo's order of checks: --all vs --multi-arch, then encryption, then signing.
  const all = v.bool('all') ?? false
  const multiArchFlag = v.str('multi-arch')
  if (all && multiArchFlag !== undefined) throw new UsageError('Cannot use --all and --multi-arch flags together')
  let multiArch: MultiArch = all ? 'all' : 'system'
  if (multiArchFlag !== undefined) multiArch = parseMultiArch(multiArchFlag)
  const strip = v.bool('strip-removed-platforms') ?? false
  if (strip && !Array.isArray(multiArch))
    throw new UsageError('--strip-removed-platforms needs --multi-arch with a list of platforms')

  const format = v.str('format')
  const manifestFormat = format !== undefined ? parseManifestFormat(format) : undefined

  const encryptionKeys = v.strings('encryption-key')
  const decryptionKeys = v.strings('decryption-key')
  const encryptLayers = v.ints('encrypt-layer')
  if (encryptionKeys.length > 0 && decryptionKeys.length > 0)
    throw new UsageError('--encryption-key and --decryption-key cannot be specified together')
  if (encryptLayers.length > 0 && encryptionKeys.length === 0)
    throw new UsageError('--encrypt-layer can only be used with --encryption-key')

  const signBy = v.str('sign-by')
  const signBySigstore = v.str('sign-by-sigstore-private-key')
  const passphraseFile = v.str('sign-passphrase-file')
  if (passphraseFile && signBy && signBySigstore)
    throw new UsageError('Only one of --sign-by and sign-by-sigstore-private-key can be used with sign-passphrase-file')
  const signing = signingOptionsFrom(v)

  const tlsVerify = v.bool('tls-verify')
  if (tlsVerify !== undefined)
    warnings.push("'--tls-verify' is deprecated, instead use: --src-tls-verify, --dest-tls-verify")
  const shared = sharedAuthFile(v)
  const source = imageTransportOptions(v, {
    prefix: 'src-',
    credsAlias: 'screds',
    ...(shared ? { sharedAuthFile: shared } : {}),
    ...(tlsVerify !== undefined ? { deprecatedTlsVerify: tlsVerify } : {}),
  })
  const destination = imageTransportOptions(v, {
    prefix: 'dest-',
    credsAlias: 'dcreds',
    ...(shared ? { sharedAuthFile: shared } : {}),
    ...(tlsVerify !== undefined ? { deprecatedTlsVerify: tlsVerify } : {}),
  })
  const additionalTags = parseAdditionalTags(v.strings('additional-tag'))
  if (additionalTags.length) destination.additionalTags = additionalTags
  if (v.bool('dest-oci-accept-uncompressed-layers')) destination.ociAcceptUncompressedLayers = true
  const compression = compressionFrom(v)

  const parallel = v.int('image-parallel-copies')
  if (parallel !== undefined && parallel < 1)
    throw new UsageError(`--image-parallel-copies must be at least 1, got ${parallel}`)
  const retry = retryOptionsFrom(v)

  // Flags skiff accepts (so command lines stay valid) but cannot act on yet: fail, never ignore.
  if (encryptionKeys.length || encryptLayers.length)
    throw unsupported('encrypting layers', '--encryption-key/--encrypt-layer')
  if (decryptionKeys.length) throw unsupported('decrypting layers', '--decryption-key')
  if (v.str('sign-by-sigstore')) throw unsupported('signing with sigstore', '--sign-by-sigstore')
  if (v.str('sign-by-sq-fingerprint')) throw unsupported('signing with Sequoia-PGP', '--sign-by-sq-fingerprint')
  // --dest-force-compress-format: whenever skiff compresses for a destination, it already recompresses
  // layers in another format into --dest-compress-format (what the flag forces in skopeo)
  if (v.bool('dest-force-compress-format') && !v.str('dest-compress-format'))
    throw new UsageError('--dest-force-compress-format requires --dest-compress-format')
  if (passphraseFile && !signBy && !signBySigstore) throw unsupported('signing', '--sign-passphrase-file')

  for (const side of [source, destination]) {
    if (g.userAgent) side.registry = { ...side.registry, userAgent: g.userAgent }
    if (g.tmpdir) side.tmpdir = g.tmpdir
    withRegistriesConf(side, g)
    if (Object.keys(g.platform).length) side.platform = { ...g.platform }
  }

  const options: CopyRequest['options'] = { multiArch, source, destination }
  if (strip) options.stripRemovedPlatforms = true
  if (manifestFormat) options.format = manifestFormat
  if (v.bool('preserve-digests')) options.preserveDigests = true
  if (v.bool('referrers')) options.referrers = true
  if (v.bool('digest-tags')) options.digestTags = true
  if (v.bool('remove-signatures')) options.removeSignatures = true
  if (signing.signers.length) options.signers = signing.signers
  if (signing.signIdentity) options.signIdentity = signing.signIdentity
  if (compression) options.compression = compression
  if (parallel !== undefined) options.imageParallelCopies = parallel
  if (Object.keys(g.platform).length) options.platform = { ...g.platform }

  const req: CopyRequest = {
    source: args[0]!,
    destination: args[1]!,
    options,
    quiet: v.bool('quiet') ?? false,
    retry,
    warnings,
  }
  const digestFile = v.str('digestfile')
  if (digestFile) req.digestFile = digestFile
  if (signBySigstore) req.sigstorePrivateKey = { path: signBySigstore, ...(passphraseFile ? { passphraseFile } : {}) }
  return req
}
