/**
 * The Docker reference grammar (distribution/reference) and its normalization:
 * `busybox` → `docker.io/library/busybox:latest`.
 */
import { InvalidReferenceError } from '../errors.js'
import { parseDigest } from '../digest/digest.js'

export const DEFAULT_DOMAIN = 'docker.io'
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io'
export const OFFICIAL_REPO_PREFIX = 'library/'
export const DEFAULT_TAG = 'latest'
export const NAME_TOTAL_LENGTH_MAX = 255

const ALNUM = '[a-z0-9]+'
const SEPARATOR = '(?:[._]|__|[-]+)'
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]'
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`
const DOMAIN = `${HOST}(?::[0-9]+)?`
const TAG = '[\\w][\\w.-]{0,127}'
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][a-fA-F0-9]{32,}'

const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`)
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`)
const TAG_RE = new RegExp(`^${TAG}$`)
const DIGEST_RE = new RegExp(`^${DIGEST}$`)
const ANCHORED_ID_RE = /^[a-f0-9]{64}$/

/** A parsed, normalized Docker reference: always has a domain; tag and digest are optional. */
export class DockerReference {
  constructor(
    readonly domain: string,
    readonly path: string,
    readonly tag?: string,
    readonly digest?: string,
  ) {}

  /** `domain/path`, fully qualified. */
  get name(): string {
    return `${this.domain}/${this.path}`
  }

  /** The full normalized string: `docker.io/library/busybox:latest`, `host/repo@sha256:…`. */
  toString(): string {
    let s = this.name
    if (this.tag !== undefined) s += `:${this.tag}`
    if (this.digest !== undefined) s += `@${this.digest}`
    return s
  }

  /** The short form people type: `busybox:latest`, `user/app`, `quay.io/x/y`. */
  familiarName(): string {
    if (this.domain !== DEFAULT_DOMAIN) return this.name
    return this.path.startsWith(OFFICIAL_REPO_PREFIX) ? this.path.slice(OFFICIAL_REPO_PREFIX.length) : this.path
  }

  familiarString(): string {
    let s = this.familiarName()
    if (this.tag !== undefined) s += `:${this.tag}`
    if (this.digest !== undefined) s += `@${this.digest}`
    return s
  }

  isNameOnly(): boolean {
    return this.tag === undefined && this.digest === undefined
  }

  withTag(tag: string): DockerReference {
    if (!TAG_RE.test(tag)) throw new InvalidReferenceError(`invalid tag "${tag}"`)
    return new DockerReference(this.domain, this.path, tag, undefined)
  }

  withDigest(digest: string): DockerReference {
    return new DockerReference(this.domain, this.path, undefined, digest)
  }

  nameOnly(): DockerReference {
    return new DockerReference(this.domain, this.path)
  }

  /** Adds `:latest` to a name-only reference (skopeo's TagNameOnly). */
  tagNameOnly(): DockerReference {
    return this.isNameOnly() ? this.withTag(DEFAULT_TAG) : this
  }
}

function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf('/')
  let domain: string
  let path: string
  if (i === -1) {
    domain = DEFAULT_DOMAIN
    path = name
  } else {
    const first = name.slice(0, i)
    // as skopeo 1.9.3 (distribution/reference before v2.8.2): a first component without '.' or ':'
    // that is not localhost is a path component, even with capitals ("UPPER/x" must be lowercase)
    if (!first.includes('.') && !first.includes(':') && first !== 'localhost') {
      domain = DEFAULT_DOMAIN
      path = name
    } else {
      domain = first
      path = name.slice(i + 1)
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path
  return { domain, path }
}

/**
 * Parses a reference as users type it and normalizes it (docker.io, library/). Tag and digest stay as
 * given (no `:latest` is added here; call `tagNameOnly()`).
 */
export function parseNormalizedReference(input: string): DockerReference {
  const s = input
  if (s === '') throw new InvalidReferenceError('invalid reference: empty image name')
  if (ANCHORED_ID_RE.test(s)) {
    throw new InvalidReferenceError(`invalid reference "${s}": cannot specify 64-byte hexadecimal strings as a name`)
  }
  let rest = s
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at !== -1) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST_RE.test(digest)) throw new InvalidReferenceError(`invalid reference "${s}": invalid digest "${digest}"`)
    try {
      parseDigest(digest)
    } catch (e) {
      throw new InvalidReferenceError(`invalid reference "${s}": ${(e as Error).message}`)
    }
  }
  let tag: string | undefined
  const slash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > slash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG_RE.test(tag))
      throw new InvalidReferenceError(
        `invalid reference "${s}": invalid tag "${tag}" (letters, digits, '_', '.', '-'; at most 128 characters)`,
      )
  }
  if (rest === '') throw new InvalidReferenceError(`invalid reference "${s}": empty repository name`)
  const { domain, path } = splitDomain(rest)
  if (!DOMAIN_RE.test(domain))
    throw new InvalidReferenceError(`invalid reference "${s}": invalid registry host "${domain}"`)
  if (path.toLowerCase() !== path) {
    throw new InvalidReferenceError(`invalid reference "${s}": repository name must be lowercase`)
  }
  if (!PATH_RE.test(path)) {
    throw new InvalidReferenceError(
      `invalid reference "${s}": invalid repository name "${path}" (lowercase letters, digits and separators '.', '_', '__', '-', '/')`,
    )
  }
  const name = `${domain}/${path}`
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(
      `invalid reference "${s}": repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
    )
  }
  return new DockerReference(domain, path, tag, digest)
}

/** Like parseNormalizedReference, then `:latest` when neither tag nor digest is given. */
export function parseDockerReferenceWithDefaultTag(input: string): DockerReference {
  return parseNormalizedReference(input).tagNameOnly()
}

/** Whether `path` is a valid repository path (lowercase components separated by '/', no domain). */
export function isValidRepositoryPath(path: string): boolean {
  return PATH_RE.test(path)
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag)
}
