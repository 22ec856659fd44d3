/**
 * `skiff login REGISTRY`: checks the credentials against the registry (GET /v2/ with the auth
 * flow) and only then stores them where skopeo login does (--authfile, $REGISTRY_AUTH_FILE,
 * $DOCKER_CONFIG/config.json, else ${XDG_RUNTIME_DIR}/containers/auth.json; credential helpers
 * when configured). Messages and checks as containers/common pkg/auth Login.
 */
import { SkiffError } from '../../errors.js'
import {
  getCredentialsForKey,
  loginAuthFile,
  parseCredentialsKey,
  setCredentials,
  type CredentialOptions,
} from '../../config/auth/index.js'
import { checkRegistryCredentials } from '../../transports/docker/check-auth.js'
import { registriesConf } from '../../transports/docker/options.js'
import type { TransportOptions } from '../../transports/types.js'
import type { RegistryAccessOptions } from '../../registry/types.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { promptPassword, promptUsername, readPasswordStdin } from '../login/prompt.js'

function invalid(msg: string): SkiffError {
  return new SkiffError('ERR_INVALID_ARGUMENT', msg)
}

/** --authfile (or its skopeo default) and registries.conf credential-helpers, for login/logout. */
export async function credentialOptionsFrom(flags: FlagValues, ctx: CommandContext): Promise<CredentialOptions> {
  if (flags.str('compat-auth-file')) {
    throw new SkiffError(
      'ERR_UNSUPPORTED',
      'updating a Docker-compatible config file (--compat-auth-file) is not supported by this version of skiff yet; use --authfile, or skopeo',
    )
  }
  const flag = flags.str('authfile')
  const authFile = loginAuthFile(flag ? { authFile: flag } : {})
  const conf = await registriesConf({
    context: ctx.context,
    ...(ctx.global.registriesConfPath ? { registry: { registriesConfPath: ctx.global.registriesConfPath } } : {}),
  })
  return { ...(authFile ? { authFile } : {}), credentialHelpers: conf.credentialHelpers }
}

/** What the credential check uses: --tls-verify, --cert-dir, --registries-conf (and the command's context). */
export function checkAuthOptionsFrom(flags: FlagValues, ctx: CommandContext): TransportOptions {
  const access: RegistryAccessOptions = {}
  const tls = flags.bool('tls-verify')
  if (tls !== undefined) access.tlsVerify = tls
  const certDir = flags.str('cert-dir')
  if (certDir) access.certDir = certDir
  if (ctx.global.registriesConfPath) access.registriesConfPath = ctx.global.registriesConfPath
  return { registry: access, signal: ctx.signal, context: ctx.context }
}

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  if (args.length === 0) throw invalid('please provide a registry to login to')
  if (args.length > 1) throw invalid('login accepts only one registry to login to')
  const { key, registry } = parseCredentialsKey(args[0]!)
  const credOpts = await credentialOptionsFrom(flags, ctx)
  const out = ctx.stdout

  if (flags.bool('get-login')) {
    const c = await getCredentialsForKey(key, credOpts)
    if (!c || c.username === '') throw invalid(`not logged into ${key}`)
    out.write(`${c.username}\n`)
    return 0
  }

  let username = flags.str('username') ?? ''
  let password = flags.str('password') ?? ''
  if (flags.bool('password-stdin')) {
    if (password !== '') throw invalid("Can't specify both --password-stdin and --password")
    if (username === '') throw invalid('Must provide --username with --password-stdin')
    password = await readPasswordStdin()
  }
  const check = checkAuthOptionsFrom(flags, ctx)

  const stored = await getCredentialsForKey(key, credOpts)
  if (
    username === '' &&
    password === '' &&
    stored?.kind === 'basic' &&
    stored.username !== '' &&
    stored.password !== ''
  ) {
    out.write(`Authenticating with existing credentials for ${key}\n`)
    if (await checkRegistryCredentials(registry, stored, check)) {
      out.write(`Existing credentials are valid. Already logged in to ${registry}\n`)
      return 0
    }
    out.write('Existing credentials are invalid, please enter valid username and password\n')
  }
  if (username === '') username = await promptUsername(stored?.username)
  if (password === '') password = await promptPassword()

  if (!(await checkRegistryCredentials(registry, { username, password }, check))) {
    // nothing was written: the stored credentials (if any) stay as they were
    throw new SkiffError('ERR_UNAUTHORIZED', `logging into "${key}": invalid username/password`)
  }
  const where = await setCredentials(key, username, password, credOpts)
  if (flags.bool('verbose')) out.write(`Used:  ${where}\n`)
  out.write('Login Succeeded!\n')
  return 0
}
