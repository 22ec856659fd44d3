/** The global flags (as skopeo's root command) and the typed options they become. */
import type { Platform } from '../../manifest/types.js'
import type { FlagSpec, FlagValues } from '../flags.js'
import { VERSION } from '../../version.js'

export const globalFlags: readonly FlagSpec[] = [
  { name: 'command-timeout', kind: 'duration', help: 'timeout for the command execution' },
  { name: 'debug', kind: 'bool', help: 'enable debug output' },
  { name: 'insecure-policy', kind: 'bool', help: 'run the tool without any policy check' },
  {
    name: 'override-arch',
    kind: 'string',
    argName: 'ARCH',
    help: 'use ARCH instead of the architecture of the machine for choosing images',
  },
  { name: 'override-os', kind: 'string', argName: 'OS', help: 'use OS instead of the running OS for choosing images' },
  {
    name: 'override-variant',
    kind: 'string',
    argName: 'VARIANT',
    help: 'use VARIANT instead of the running architecture variant for choosing images',
  },
  { name: 'policy', kind: 'string', help: 'Path to a trust policy file', complete: 'file' },
  {
    name: 'registries-conf',
    kind: 'string',
    argName: 'PATH',
    help: 'path to the registries.conf file',
    complete: 'file',
    hidden: true,
  },
  {
    name: 'registries.d',
    kind: 'string',
    argName: 'DIR',
    help: 'use registry configuration files in DIR (e.g. for container signature storage)',
    complete: 'dir',
  },
  { name: 'tmpdir', kind: 'string', help: 'directory used to store temporary files', complete: 'dir' },
  { name: 'user-agent-prefix', kind: 'string', argName: 'PREFIX', help: 'prefix to add to the user agent string' },
]

export interface GlobalOptions {
  debug: boolean
  insecurePolicy: boolean
  policyPath?: string
  /** --command-timeout, milliseconds (> 0). */
  commandTimeoutMs?: number
  tmpdir?: string
  /** From --override-os/--override-arch/--override-variant; empty = the host's. */
  platform: Partial<Platform>
  /** --user-agent-prefix P: the User-Agent sent to registries is `P skiff/VERSION`. */
  userAgent?: string
  /** --registries.d: the registries.d directory (where docker:// signatures live). */
  registriesDir?: string
  /** --registries-conf (skopeo's hidden global flag): this registries.conf instead of the user/system one. */
  registriesConfPath?: string
}

/** Puts the global --registries-conf and --registries.d into a side's registry access options. */
export function withRegistriesConf<
  T extends { registry?: { registriesConfPath?: string; registriesDirPath?: string } },
>(o: T, g: { registriesConfPath?: string | undefined; registriesDir?: string | undefined }): T {
  if (g.registriesConfPath) o.registry = { ...(o.registry ?? {}), registriesConfPath: g.registriesConfPath }
  if (g.registriesDir) o.registry = { ...(o.registry ?? {}), registriesDirPath: g.registriesDir }
  return o
}

export function globalOptionsFrom(v: FlagValues): GlobalOptions {
  const g: GlobalOptions = {
    debug: v.bool('debug') ?? false,
    insecurePolicy: v.bool('insecure-policy') ?? false,
    platform: {},
  }
  const policy = v.str('policy')
  if (policy) g.policyPath = policy
  const timeout = v.duration('command-timeout')
  if (timeout !== undefined && timeout > 0) g.commandTimeoutMs = timeout
  const tmp = v.str('tmpdir')
  if (tmp) g.tmpdir = tmp
  const uaPrefix = v.str('user-agent-prefix')
  if (uaPrefix) g.userAgent = `${uaPrefix} skiff/${VERSION}`
  const os = v.str('override-os')
  if (os) g.platform.os = os
  const arch = v.str('override-arch')
  if (arch) g.platform.architecture = arch
  const variant = v.str('override-variant')
  if (variant) g.platform.variant = variant
  const regd = v.str('registries.d')
  if (regd) g.registriesDir = regd
  const conf = v.str('registries-conf')
  if (conf) g.registriesConfPath = conf
  return g
}
