/**
 * `skiff logout REGISTRY` / `skiff logout --all`: removes stored credentials from the file skopeo
 * logout edits (and the credential helper configured for the registry). Messages as
 * containers/common pkg/auth Logout.
 */
import { stat } from 'node:fs/promises'
import { SkiffError } from '../../errors.js'
import {
  getCredentialsForKey,
  parseCredentialsKey,
  removeAllCredentials,
  removeCredentials,
} from '../../config/auth/index.js'
import type { CommandContext } from './types.js'
import type { FlagValues } from '../flags.js'
import { checkRegistryCredentials } from '../../transports/docker/check-auth.js'
import { checkAuthOptionsFrom, credentialOptionsFrom } from './login.js'

function invalid(msg: string): SkiffError {
  return new SkiffError('ERR_INVALID_ARGUMENT', msg)
}

export async function run(args: string[], flags: FlagValues, ctx: CommandContext): Promise<number> {
  const credOpts = await credentialOptionsFrom(flags, ctx)
  if (credOpts.authFile) {
    try {
      await stat(credOpts.authFile)
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message
      throw new SkiffError('ERR_IO', `checking authfile: stat ${credOpts.authFile}: ${why}`, { cause: e })
    }
  }
  const out = ctx.stdout
  if (flags.bool('all')) {
    if (args.length !== 0) throw invalid('--all takes no arguments')
    await removeAllCredentials(credOpts)
    out.write('Removed login credentials for all registries\n')
    return 0
  }
  if (args.length === 0) throw invalid('please provide a registry to logout from')
  if (args.length > 1) throw invalid('logout accepts only one registry to logout from')
  const { key, registry } = parseCredentialsKey(args[0]!)

  if (await removeCredentials(key, credOpts)) {
    out.write(`Removed login credentials for ${key}\n`)
    return 0
  }
  // Not in the file logout edits: credentials found elsewhere (~/.docker/config.json) came from another tool.
  const c = await getCredentialsForKey(key, credOpts)
  if (c?.kind === 'basic' && c.username !== '' && c.password !== '') {
    const valid = await checkRegistryCredentials(registry, c, checkAuthOptionsFrom(flags, ctx)).catch(() => false)
    if (valid) {
      out.write(
        `Not logged into ${key} with current tool. Existing credentials were established via docker login. Please use docker logout instead.\n`,
      )
      return 0
    }
  }
  throw invalid(`not logged into ${key}`)
}
