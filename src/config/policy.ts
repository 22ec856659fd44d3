/**
 * The trust policy file (containers-policy.json(5)): which file (--policy, the user's
 * $HOME/.config/containers/policy.json or /etc/containers/policy.json) and reading it into a Policy.
 * Evaluating a policy for an image is src/policy/.
 */
import { readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { SkiffError, opt, withOptions } from '../errors.js'
import { parsePolicy } from './policy-parse.js'
import { PolicyFormatError } from './policy-json.js'
import type { Policy, PolicyScopeValidator } from './policy-types.js'

export const SYSTEM_POLICY_PATH = '/etc/containers/policy.json'

const HINT = withOptions`create one (see containers-policy.json(5)), point to one with ${opt('policyPath')}, or pass ${opt('insecure', { value: true })}`

/** The policy file used without --policy: the user's, when it exists, else the system's. */
export async function defaultPolicyPath(home = process.env.HOME || homedir()): Promise<string> {
  const user = join(home, '.config', 'containers', 'policy.json')
  try {
    await stat(user)
    return user
  } catch {
    return SYSTEM_POLICY_PATH
  }
}

/**
 * Reads and parses a policy file; errors are one line, name the file and say what to do.
 * `lookupTransport` validates the scopes of the transports it knows (see parsePolicy).
 */
export async function loadPolicyFile(
  path: string,
  lookupTransport: (name: string) => PolicyScopeValidator | undefined,
): Promise<Policy> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    const why =
      err.code === 'ENOENT'
        ? 'no such file or directory'
        : err.code === 'EACCES'
          ? 'permission denied'
          : err.code === 'EISDIR'
            ? 'is a directory'
            : err.message
    throw new SkiffError('ERR_POLICY_INVALID', withOptions`Error loading trust policy: open ${path}: ${why}; ${HINT}`, {
      cause: e,
    })
  }
  try {
    return parsePolicy(text, lookupTransport)
  } catch (e) {
    if (e instanceof PolicyFormatError) {
      throw new SkiffError(
        'ERR_POLICY_INVALID',
        `Error loading trust policy: invalid policy in ${JSON.stringify(path)}: ${e.message}`,
        { cause: e },
      )
    }
    throw e
  }
}
