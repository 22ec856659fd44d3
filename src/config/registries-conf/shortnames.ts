/**
 * Short names (`busybox`, `user/app:1`): resolved through [aliases], else the
 * unqualified-search-registries under short-name-mode (containers-registries.conf(5),
 * containers/image pkg/shortnames). skopeo itself never does this for docker:// — it always means
 * docker.io — so this is for callers that opt in.
 */
import { InvalidReferenceError } from '../../errors.js'
import { type DockerReference, parseNormalizedReference } from '../../reference/docker-reference.js'
import type { RegistriesConf } from './types.js'

/** True when `name` starts with no registry host (the first component has no '.'/':' and is not localhost). */
export function isShortName(name: string): boolean {
  const slash = name.indexOf('/')
  if (slash === -1) return true
  const first = name.slice(0, slash)
  return !(/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)
}

export interface ShortNameResolution {
  /** References to try, in order (tag/digest as given; add `:latest` with tagNameOnly()). */
  candidates: DockerReference[]
  /** Fully-qualified input, an alias, or the search registries. */
  resolvedBy: 'qualified' | 'alias' | 'search'
  /** The registries.conf file that defined the alias or the search list. */
  origin?: string
  /** The user should pick one of `candidates` (enforcing/permissive mode, several registries, on a terminal). */
  needsChoice: boolean
}

export interface ResolveShortNameOptions {
  /** stdin and stdout are terminals (a choice can be prompted). */
  interactive?: boolean
}

function splitTagDigest(name: string): { repo: string; suffix: string } {
  let repo = name
  let suffix = ''
  const at = repo.indexOf('@')
  if (at !== -1) {
    suffix = repo.slice(at)
    repo = repo.slice(0, at)
  }
  const colon = repo.lastIndexOf(':')
  if (colon > repo.lastIndexOf('/')) {
    suffix = repo.slice(colon) + suffix
    repo = repo.slice(0, colon)
  }
  return { repo, suffix }
}

/** Resolves `name` (as the user typed it) to the references to try. */
export function resolveShortName(
  conf: RegistriesConf,
  name: string,
  opts: ResolveShortNameOptions = {},
): ShortNameResolution {
  const parsed = parseNormalizedReference(name) // validates the syntax (throws InvalidReferenceError)
  if (!isShortName(name)) return { candidates: [parsed], resolvedBy: 'qualified', needsChoice: false }
  const { repo, suffix } = splitTagDigest(name)
  const alias = conf.aliases.get(repo)
  if (alias?.value !== undefined) {
    return {
      candidates: [parseNormalizedReference(alias.value + suffix)],
      resolvedBy: 'alias',
      origin: alias.origin,
      needsChoice: false,
    }
  }
  const registries = conf.unqualifiedSearchRegistries
  const origin = conf.unqualifiedSearchRegistriesOrigin
  if (registries.length === 0) {
    const where = origin ?? (conf.sources.length > 0 ? conf.sources.join(', ') : 'registries.conf')
    throw new InvalidReferenceError(
      `short-name "${name}" did not resolve to an alias and no unqualified-search registries are defined in "${where}": use a fully qualified name such as docker.io/${parsed.path}`,
    )
  }
  const candidates = registries.map((r) => parseNormalizedReference(`${r}/${repo}${suffix}`))
  const base: ShortNameResolution = { candidates, resolvedBy: 'search', needsChoice: false }
  if (origin !== undefined) base.origin = origin
  if (conf.shortNameMode === 'disabled' || candidates.length === 1) return base
  if (opts.interactive) return { ...base, needsChoice: true }
  if (conf.shortNameMode === 'enforcing') {
    throw new InvalidReferenceError(
      `short-name resolution enforced but cannot prompt without a TTY: "${name}" is ambiguous between ${registries.join(', ')}; use a fully qualified name or add an alias`,
    )
  }
  return base
}
