/**
 * `sync`'s flags (skopeo 1.9.3's, the later --append-suffix / --digestfile / --retry-delay, and
 * skiff's own) and their normalization into one typed request. Deep code never sees argv.
 */
import type { CopyOptions, MultiArch } from '../../copy/options.js'
import { SkiffError } from '../../errors.js'
import type { PlanOptions, SyncDestKind, SyncDestSpec, SyncSourceKind, SyncSourceSpec } from '../../sync/types.js'
import { DEST_KINDS, SOURCE_KINDS, validateSyncKinds } from '../../sync/kinds.js'
import type { Shard } from '../../sync/shard.js'
import type { FlagSpec, FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'
import type { SigstoreKeyRequest } from './sigstore-signer.js'
import { parseManifestFormat, parseMultiArch } from './copy.js'
import { type GlobalOptions, withRegistriesConf } from './global.js'
import { signingOptionsFrom } from './signing.js'
import {
  deprecatedTlsVerifyFlag,
  dockerImageFlags,
  imageTransportOptions,
  sharedAuthFile,
  sharedImageFlags,
} from './image.js'
import { retryFlags, retryOptionsFrom, type RetryOptions } from './retry.js'

export const PROGRESS_MODES = ['auto', 'plain', 'json', 'tty', 'none'] as const
export type ProgressMode = (typeof PROGRESS_MODES)[number]

export const syncFlags: readonly FlagSpec[] = [
  ...sharedImageFlags,
  deprecatedTlsVerifyFlag,
  ...dockerImageFlags('src-', 'screds'),
  ...dockerImageFlags('dest-', 'dcreds'),
  ...retryFlags,
  { name: 'src', short: 's', kind: 'string', help: 'SOURCE transport type', complete: SOURCE_KINDS },
  { name: 'dest', short: 'd', kind: 'string', help: 'DESTINATION transport type', complete: DEST_KINDS },
  { name: 'scoped', kind: 'bool', help: 'Images at DESTINATION are prefix using the full source image path as scope' },
  { name: 'append-suffix', kind: 'string', help: 'String to append to DESTINATION tags' },
  {
    name: 'digestfile',
    kind: 'string',
    help: 'Write the digests and Image References of the resulting images to the specified file, separated by newlines',
    complete: 'file',
  },
  { name: 'all', short: 'a', kind: 'bool', help: 'Copy all images if SOURCE-IMAGE is a list' },
  { name: 'dry-run', kind: 'bool', help: 'Run without actually copying data' },
  { name: 'keep-going', kind: 'bool', help: 'Do not abort the sync if any image copy fails' },
  {
    name: 'format',
    short: 'f',
    kind: 'string',
    help: 'MANIFEST TYPE (oci, v2s1, or v2s2) to use when syncing image(s) to a destination (default is manifest type of source, with fallbacks)',
    complete: ['oci', 'v2s1', 'v2s2'],
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
  { name: 'remove-signatures', kind: 'bool', help: 'Do not copy signatures from SOURCE images' },
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
    name: 'sign-passphrase-file',
    kind: 'string',
    help: 'File that contains a passphrase for the --sign-by key',
    complete: 'file',
  },
  // skiff's own
  {
    name: 'src-registry',
    kind: 'string',
    argName: 'REGISTRY',
    help: 'With --src list: the registry (and optional namespace) for lines without one (default docker.io)',
  },
  {
    name: 'images-from',
    kind: 'string',
    argName: 'LIST',
    help: 'With --src registry-storage: only sync the images named in LIST (an image-list file, or a folder of *.list files)',
    complete: 'file',
  },
  { name: 'include-tags', kind: 'string', argName: 'REGEX', help: 'Only sync tags matching REGEX' },
  { name: 'exclude-tags', kind: 'string', argName: 'REGEX', help: 'Do not sync tags matching REGEX' },
  {
    name: 'multi-arch',
    kind: 'string',
    help: 'How to handle multi-architecture images (system, all, index-only, or a list of OS/ARCH[/VARIANT] platforms)',
    complete: ['system', 'all', 'index-only'],
  },
  {
    name: 'jobs',
    short: 'j',
    kind: 'int',
    help: 'Number of images copied in parallel (default: adaptive, 4 growing to 32)',
  },
  { name: 'force', kind: 'bool', help: 'Copy images even when the destination already has them' },
  {
    name: 'report',
    kind: 'string',
    argName: 'FILE',
    help: 'Write a JSON report (one entry per image: source, destination, digest, result, error) to FILE',
    complete: 'file',
  },
  {
    name: 'progress',
    kind: 'string',
    argName: 'MODE',
    help: 'Progress output on stderr: auto, plain, json (NDJSON events), tty or none (default auto: bars on a terminal, lines otherwise)',
    complete: PROGRESS_MODES,
  },
  {
    name: 'shard-index',
    kind: 'int',
    argName: 'I',
    help: 'With --shard-count: sync only the images whose destination repository is in shard I (default $JOB_COMPLETION_INDEX)',
  },
  {
    name: 'shard-count',
    kind: 'int',
    argName: 'N',
    help: 'Split the sync into N shards by destination repository (one worker per shard: a Kubernetes Indexed Job, a CI matrix)',
  },
  {
    name: 'image-parallel-copies',
    kind: 'int',
    help: 'Maximum number of image layers to be copied (pulled/pushed) simultaneously per image (default 6)',
  },
]

export interface SyncRequest {
  source: SyncSourceSpec
  destination: SyncDestSpec
  plan: Omit<PlanOptions, 'signal' | 'onWarning' | 'retry' | 'includeTags' | 'excludeTags'>
  /** --include-tags / --exclude-tags as written; compiled (Go/RE2 syntax) by compileTagFilters. */
  tagPatterns: { include?: string; exclude?: string }
  /** CopyOptions without policy/signal/onEvent (the running command adds those). */
  copy: Omit<CopyOptions, 'policy' | 'signal' | 'onEvent'>
  jobs?: number
  keepGoing: boolean
  force: boolean
  dryRun: boolean
  digestFile?: string
  reportFile?: string
  progress: ProgressMode
  retry: RetryOptions
  warnings: string[]
  /** --sign-by-sigstore-private-key (with --sign-passphrase-file): the running command makes the signer. */
  sigstorePrivateKey?: SigstoreKeyRequest
}

function unsupported(what: string, flag: string): SkiffError {
  return new SkiffError(
    'ERR_UNSUPPORTED',
    `${what} (${flag}) is not supported by this version of skiff yet; run this sync with skopeo, or without ${flag}`,
  )
}

/** Turns sync's flags and arguments into a SyncRequest; throws UsageError / SkiffError on bad input. */
export function syncRequestFrom(args: readonly string[], v: FlagValues, g: GlobalOptions): SyncRequest {
  if (args.length !== 2) throw new UsageError('Exactly two arguments expected')
  const warnings: string[] = []
  const tlsVerify = v.bool('tls-verify')
  if (tlsVerify !== undefined)
    warnings.push("'--tls-verify' is deprecated, instead use: --src-tls-verify, --dest-tls-verify")

  const srcKind = v.str('src') ?? ''
  const destKind = v.str('dest') ?? ''
  try {
    validateSyncKinds(srcKind, destKind)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }

  const all = v.bool('all') ?? false
  const multiArchFlag = v.str('multi-arch')
  if (all && multiArchFlag !== undefined) throw new UsageError('Cannot use --all and --multi-arch flags together')
  let multiArch: MultiArch = all ? 'all' : 'system'
  if (multiArchFlag !== undefined) multiArch = parseMultiArch(multiArchFlag)
  const format = v.str('format')

  const shared = sharedAuthFile(v)
  const common = {
    ...(shared ? { sharedAuthFile: shared } : {}),
    ...(tlsVerify !== undefined ? { deprecatedTlsVerify: tlsVerify } : {}),
  }
  const srcOpts = imageTransportOptions(v, { prefix: 'src-', credsAlias: 'screds', ...common })
  const destOpts = imageTransportOptions(v, { prefix: 'dest-', credsAlias: 'dcreds', ...common })
  const retry = retryOptionsFrom(v)
  for (const side of [srcOpts, destOpts]) {
    if (g.userAgent) side.registry = { ...side.registry, userAgent: g.userAgent }
    if (g.tmpdir) side.tmpdir = g.tmpdir
    withRegistriesConf(side, g)
    if (Object.keys(g.platform).length) side.platform = { ...g.platform }
  }

  const srcRegistry = v.str('src-registry')
  if (srcRegistry !== undefined && srcKind !== 'list')
    throw new UsageError('--src-registry is only used with --src list')

  const imagesFrom = v.str('images-from')
  if (imagesFrom !== undefined && srcKind !== 'registry-storage' && srcKind !== 'registry-storage-archive')
    throw new UsageError('--images-from is only used with --src registry-storage or registry-storage-archive')

  const jobs = v.int('jobs')
  if (jobs !== undefined && jobs < 1) throw new UsageError(`--jobs must be at least 1, got ${jobs}`)
  const parallel = v.int('image-parallel-copies')
  if (parallel !== undefined && parallel < 1)
    throw new UsageError(`--image-parallel-copies must be at least 1, got ${parallel}`)
  const progress = v.str('progress') ?? 'auto'
  if (!(PROGRESS_MODES as readonly string[]).includes(progress))
    throw new UsageError(`--progress must be one of ${PROGRESS_MODES.join(', ')}, got "${progress}"`)

  const plan: SyncRequest['plan'] = {}
  const shard = shardFrom(v.int('shard-index'), v.int('shard-count'), process.env['JOB_COMPLETION_INDEX'])
  if (shard) plan.shard = shard
  if (v.bool('scoped')) plan.scoped = true
  const suffix = v.str('append-suffix')
  if (suffix) plan.appendSuffix = suffix
  const tagPatterns: SyncRequest['tagPatterns'] = {}
  const inc = v.str('include-tags')
  if (inc !== undefined) tagPatterns.include = inc
  const exc = v.str('exclude-tags')
  if (exc !== undefined) tagPatterns.exclude = exc

  const signBySigstore = v.str('sign-by-sigstore-private-key')
  const passphraseFile = v.str('sign-passphrase-file')
  if (passphraseFile && v.str('sign-by') && signBySigstore)
    throw new UsageError('Only one of --sign-by and sign-by-sigstore-private-key can be used with sign-passphrase-file')
  if (v.str('sign-by-sigstore')) throw unsupported('signing with sigstore', '--sign-by-sigstore')
  if (v.str('sign-by-sq-fingerprint')) throw unsupported('signing with Sequoia-PGP', '--sign-by-sq-fingerprint')
  if (passphraseFile && !v.str('sign-by') && !signBySigstore) throw unsupported('signing', '--sign-passphrase-file')
  const signing = signingOptionsFrom(v)

  const copy: SyncRequest['copy'] = { multiArch, source: srcOpts, destination: destOpts }
  if (format !== undefined) copy.format = parseManifestFormat(format)
  if (v.bool('preserve-digests')) copy.preserveDigests = true
  if (v.bool('referrers')) copy.referrers = true
  if (v.bool('digest-tags')) copy.digestTags = true
  if (v.bool('remove-signatures')) copy.removeSignatures = true
  if (signing.signers.length) copy.signers = signing.signers
  if (parallel !== undefined) copy.imageParallelCopies = parallel
  if (Object.keys(g.platform).length) copy.platform = { ...g.platform }

  const source: SyncSourceSpec = {
    kind: srcKind as SyncSourceKind,
    input: args[0]!,
    options: srcOpts,
    ...(srcRegistry !== undefined ? { registry: srcRegistry } : {}),
    ...(imagesFrom !== undefined ? { imagesFrom } : {}),
  }
  const destination: SyncDestSpec = { kind: destKind as SyncDestKind, target: args[1]!, options: destOpts }
  const req: SyncRequest = {
    source,
    destination,
    plan,
    tagPatterns,
    copy,
    keepGoing: v.bool('keep-going') ?? false,
    force: v.bool('force') ?? false,
    dryRun: v.bool('dry-run') ?? false,
    progress: progress as ProgressMode,
    retry,
    warnings,
  }
  if (jobs !== undefined) req.jobs = jobs
  const digestFile = v.str('digestfile')
  if (digestFile) req.digestFile = digestFile
  const report = v.str('report')
  if (report) req.reportFile = report
  if (signBySigstore) req.sigstorePrivateKey = { path: signBySigstore, ...(passphraseFile ? { passphraseFile } : {}) }
  return req
}

/**
 * --shard-index I --shard-count N; I defaults to $JOB_COMPLETION_INDEX (what a Kubernetes Indexed
 * Job sets in each pod), which is ignored without --shard-count.
 */
export function shardFrom(
  index: number | undefined,
  count: number | undefined,
  envIndex: string | undefined,
): Shard | undefined {
  if (count === undefined) {
    if (index !== undefined) throw new UsageError('--shard-index needs --shard-count')
    return undefined
  }
  if (count < 1) throw new UsageError(`--shard-count must be at least 1, got ${count}`)
  let i = index
  if (i === undefined) {
    if (envIndex === undefined || envIndex === '')
      throw new UsageError('--shard-count needs --shard-index, or JOB_COMPLETION_INDEX in the environment')
    if (!/^\d+$/.test(envIndex))
      throw new UsageError(`JOB_COMPLETION_INDEX must be a shard index (0 to ${count - 1}), got "${envIndex}"`)
    i = Number(envIndex)
  }
  if (i < 0 || i >= count)
    throw new UsageError(
      `${index === undefined ? 'JOB_COMPLETION_INDEX' : '--shard-index'} must be from 0 to ${count - 1} (--shard-count ${count}), got ${i}`,
    )
  return { index: i, count }
}

/**
 * --include-tags / --exclude-tags compiled with Go's regexp syntax (RE2, lazily loaded); a bad
 * pattern is a usage error naming the flag and the pattern.
 */
export async function compileTagFilters(
  p: SyncRequest['tagPatterns'],
): Promise<Pick<PlanOptions, 'includeTags' | 'excludeTags'>> {
  const { compileTagRegex } = await import('../../sync/filters.js')
  const out: Pick<PlanOptions, 'includeTags' | 'excludeTags'> = {}
  try {
    if (p.include !== undefined) out.includeTags = await compileTagRegex(p.include, '--include-tags')
    if (p.exclude !== undefined) out.excludeTags = await compileTagRegex(p.exclude, '--exclude-tags')
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  return out
}
