/** The flags of `login` and `logout`, as skopeo's (containers/common pkg/auth GetLoginFlags / GetLogoutFlags). */
import type { FlagSpec } from '../flags.js'

const AUTHFILE: FlagSpec = {
  name: 'authfile',
  kind: 'string',
  help: 'path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override',
  complete: 'file',
}
const COMPAT_AUTH_FILE: FlagSpec = {
  name: 'compat-auth-file',
  kind: 'string',
  argName: 'PATH',
  help: 'path of a Docker-compatible config file to update instead',
  complete: 'file',
}
const TLS_VERIFY: FlagSpec = {
  name: 'tls-verify',
  kind: 'bool',
  help: 'require HTTPS and verify certificates when accessing the registry',
}

export const loginFlags: readonly FlagSpec[] = [
  AUTHFILE,
  COMPAT_AUTH_FILE,
  {
    name: 'cert-dir',
    kind: 'string',
    help: 'use certificates at the specified path to access the registry',
    complete: 'dir',
  },
  { name: 'get-login', kind: 'bool', help: 'Return the current login user for the registry' },
  { name: 'password', short: 'p', kind: 'string', help: 'Password for registry' },
  { name: 'password-stdin', kind: 'bool', help: 'Take the password from stdin' },
  TLS_VERIFY,
  { name: 'username', short: 'u', kind: 'string', help: 'Username for registry' },
  { name: 'verbose', short: 'v', kind: 'bool', help: 'Write more detailed information to stdout' },
]

export const logoutFlags: readonly FlagSpec[] = [
  { name: 'all', short: 'a', kind: 'bool', help: 'Remove the cached credentials for all registries in the auth file' },
  AUTHFILE,
  COMPAT_AUTH_FILE,
  TLS_VERIFY,
]
