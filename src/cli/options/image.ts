/**
 * The per-image flag families (skopeo's imageFlags / imageDestFlags): registry access flags with an
 * optional `src-` / `dest-` prefix, and the typed TransportOptions they become, with skopeo's
 * mutual-exclusion checks.
 */
import type { TransportOptions } from '../../transports/types.js'
import type { RegistryAccessOptions } from '../../registry/types.js'
import type { SkiffContext } from '../../registry/context.js'
import type { FlagSpec, FlagValues } from '../flags.js'
import { UsageError } from '../usage-error.js'
import { retryOptionsFrom, type RetryOptions } from './retry.js'
import { withRegistriesConf } from './global.js'

const AUTHFILE_HELP = 'path of the authentication file. Default is ${XDG_RUNTIME_DIR}/containers/auth.json'

/** The unprefixed --authfile shared by both sides of a copy (skopeo's sharedImageFlags). */
export const sharedImageFlags: readonly FlagSpec[] = [
  { name: 'authfile', kind: 'string', help: AUTHFILE_HELP, complete: 'file' },
]

/** skopeo's dockerImageFlags: what every docker:// access needs. */
export function dockerImageFlags(prefix: string, credsAlias?: string): FlagSpec[] {
  const f: FlagSpec[] = []
  if (prefix) f.push({ name: `${prefix}authfile`, kind: 'string', help: AUTHFILE_HELP, complete: 'file' })
  f.push(
    {
      name: `${prefix}creds`,
      kind: 'string',
      argName: 'USERNAME[:PASSWORD]',
      help: 'Use USERNAME[:PASSWORD] for accessing the registry',
    },
    { name: `${prefix}username`, kind: 'string', help: 'Username for accessing the registry' },
    { name: `${prefix}password`, kind: 'string', help: 'Password for accessing the registry' },
  )
  if (credsAlias)
    f.push({
      name: credsAlias,
      kind: 'string',
      argName: 'USERNAME[:PASSWORD]',
      help: `Use USERNAME[:PASSWORD] for accessing the registry (deprecated: use --${prefix}creds)`,
      hidden: true,
    })
  f.push(
    { name: `${prefix}registry-token`, kind: 'string', help: 'Provide a Bearer token for accessing the registry' },
    {
      name: `${prefix}cert-dir`,
      kind: 'string',
      argName: 'PATH',
      help: 'use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry or daemon',
      complete: 'dir',
    },
    {
      name: `${prefix}tls-verify`,
      kind: 'bool',
      help: 'require HTTPS and verify certificates when talking to the container registry or daemon',
    },
    { name: `${prefix}no-creds`, kind: 'bool', help: 'Access the registry anonymously' },
  )
  return f
}

/** skopeo's imageFlags: docker access plus the oci shared blob dir and the daemon host. */
export function imageFlags(prefix: string, credsAlias?: string): FlagSpec[] {
  return [
    ...dockerImageFlags(prefix, credsAlias),
    {
      name: `${prefix}shared-blob-dir`,
      kind: 'string',
      argName: 'DIRECTORY',
      help: 'DIRECTORY to use to share blobs across OCI repositories',
      complete: 'dir',
    },
    {
      name: `${prefix}daemon-host`,
      kind: 'string',
      argName: 'HOST',
      help: 'use docker daemon host at HOST (docker-daemon: only)',
    },
  ]
}

/** skopeo's imageDestFlags: imageFlags plus what a destination can be asked to do with layers. */
export function imageDestFlags(prefix: string, credsAlias?: string): FlagSpec[] {
  return [
    ...imageFlags(prefix, credsAlias),
    {
      name: `${prefix}compress`,
      kind: 'bool',
      help: "Compress tarball image layers when saving to directory using the 'dir' transport. (default is same compression type as source)",
    },
    {
      name: `${prefix}decompress`,
      kind: 'bool',
      help: "Decompress tarball image layers when saving to directory using the 'dir' transport. (default is same compression type as source)",
    },
    {
      name: `${prefix}oci-accept-uncompressed-layers`,
      kind: 'bool',
      help: "Allow uncompressed image layers when saving to an OCI image using the 'oci' transport. (default is to compress things that aren't compressed)",
    },
    {
      name: `${prefix}compress-format`,
      kind: 'string',
      argName: 'FORMAT',
      help: 'FORMAT to use for the compression',
      complete: ['gzip', 'zstd'],
    },
    { name: `${prefix}compress-level`, kind: 'int', argName: 'LEVEL', help: 'LEVEL to use for the compression' },
    {
      name: `${prefix}precompute-digests`,
      kind: 'bool',
      help: "Precompute digests to prevent uploading layers already on the registry using the 'docker' transport.",
    },
  ]
}

/** The deprecated, hidden --tls-verify of copy (applies to both sides unless a prefixed one is given). */
export const deprecatedTlsVerifyFlag: FlagSpec = {
  name: 'tls-verify',
  kind: 'bool',
  help: 'require HTTPS and verify certificates when accessing the container registry (deprecated)',
  hidden: true,
}

/** skopeo's parseCreds: USERNAME[:PASSWORD], username required. */
export function parseCreds(creds: string): { username: string; password: string } {
  if (creds === '') throw new UsageError("credentials can't be empty")
  const i = creds.indexOf(':')
  const username = i < 0 ? creds : creds.slice(0, i)
  const password = i < 0 ? '' : creds.slice(i + 1)
  if (username === '') throw new UsageError("username can't be empty")
  return { username, password }
}

export interface ImageAccessContext {
  prefix: string
  credsAlias?: string
  /** The value of the shared (unprefixed) --authfile, or $REGISTRY_AUTH_FILE. */
  sharedAuthFile?: string
  /** The deprecated --tls-verify, when given (copy only). */
  deprecatedTlsVerify?: boolean
}

/** Registry access from a flag family, with skopeo's checks (newSystemContext). */
export function registryAccessFrom(v: FlagValues, c: ImageAccessContext): RegistryAccessOptions {
  const p = c.prefix
  const creds = v.str(`${p}creds`) ?? (c.credsAlias ? v.str(c.credsAlias) : undefined)
  const username = v.str(`${p}username`)
  const password = v.str(`${p}password`)
  const noCreds = v.bool(`${p}no-creds`) ?? false
  if (creds !== undefined && noCreds) throw new UsageError('creds and no-creds cannot be specified at the same time')
  if (username !== undefined && noCreds)
    throw new UsageError('username and no-creds cannot be specified at the same time')
  if (creds !== undefined && username !== undefined)
    throw new UsageError('creds and username cannot be specified at the same time')
  if ((username !== undefined) !== (password !== undefined)) {
    throw new UsageError(
      username !== undefined
        ? 'password must be specified when username is specified'
        : 'username must be specified when password is specified',
    )
  }
  const r: RegistryAccessOptions = {}
  const authFile = (p ? v.str(`${p}authfile`) : undefined) ?? c.sharedAuthFile
  if (authFile) r.authFile = authFile
  if (creds !== undefined) r.credentials = parseCreds(creds)
  else if (username !== undefined) r.credentials = { username, password: password ?? '' }
  if (noCreds) r.anonymous = true
  const token = v.str(`${p}registry-token`)
  if (token !== undefined) r.bearerToken = token
  const certDir = v.str(`${p}cert-dir`)
  if (certDir) r.certDir = certDir
  const tls = v.bool(`${p}tls-verify`) ?? c.deprecatedTlsVerify
  if (tls !== undefined) r.tlsVerify = tls
  const daemonHost = v.str(`${p}daemon-host`)
  if (daemonHost) r.daemonHost = daemonHost
  if (v.bool(`${p}precompute-digests`)) r.precomputeDigests = true
  // --retry-times / --retry-delay (shared by both sides) also set the per-request registry retries
  const retryTimes = v.int('retry-times')
  if (retryTimes !== undefined && retryTimes >= 0) r.retryTimes = retryTimes
  const retryDelay = v.duration('retry-delay')
  if (retryDelay !== undefined && retryDelay >= 0) r.retryDelayMs = retryDelay
  return r
}

/** TransportOptions for one side: registry access plus the oci shared blob dir. */
export function imageTransportOptions(v: FlagValues, c: ImageAccessContext): TransportOptions {
  const o: TransportOptions = { registry: registryAccessFrom(v, c) }
  const shared = v.str(`${c.prefix}shared-blob-dir`)
  if (shared) o.sharedBlobDir = shared
  return o
}

/** The shared --authfile, defaulting to $REGISTRY_AUTH_FILE as skopeo does. */
export function sharedAuthFile(v: FlagValues): string | undefined {
  return v.str('authfile') || process.env.REGISTRY_AUTH_FILE || undefined
}

/**
 * The options of a command that works on one image or repository (inspect, list-tags, delete,
 * list-repos, untag): its unprefixed image flags, retries, --tmpdir and the command's abort signal.
 */
export function singleImageOptions(
  v: FlagValues,
  ctx: {
    global: {
      tmpdir?: string | undefined
      registriesConfPath?: string | undefined
      registriesDir?: string | undefined
      userAgent?: string | undefined
    }
    signal: AbortSignal
    context?: SkiffContext
  },
): { opts: TransportOptions; retry: RetryOptions } {
  const shared = sharedAuthFile(v)
  const opts = withRegistriesConf(
    imageTransportOptions(v, { prefix: '', ...(shared ? { sharedAuthFile: shared } : {}) }),
    ctx.global,
  )
  if (ctx.global.userAgent) opts.registry = { ...opts.registry, userAgent: ctx.global.userAgent }
  if (ctx.global.tmpdir) opts.tmpdir = ctx.global.tmpdir
  opts.signal = ctx.signal
  if (ctx.context) opts.context = ctx.context
  return { opts, retry: retryOptionsFrom(v) }
}
