/**
 * Tag filters: --include-tags / --exclude-tags (every source) and YAML's images-by-tag-regex, with
 * Go's regular expressions (RE2 syntax, as skopeo's regexp.Compile): POSIX classes (`[[:digit:]]`),
 * Unicode classes (`\pL`), `(?i)` flags; no look-around or back-references ("invalid or unsupported
 * Perl syntax"). Unanchored, as Go's MatchString: `^` and `$` anchor when the pattern says so.
 * The RE2 engine (re2js, pure JS) is loaded only when a pattern is compiled.
 */
import { SkiffError } from '../errors.js'

/** Anything that says whether a tag matches: a compiled Go pattern, or (library callers) a RegExp. */
export interface TagMatcher {
  test(tag: string): boolean
}

/** A compiled Go (RE2) regular expression. */
export interface TagRegex extends TagMatcher {
  /** The pattern as written. */
  readonly source: string
}

/** The RE2 engine, loaded once on first use (it is 260 KB: not for commands that never match a tag). */
let engine: Promise<typeof import('re2js')> | undefined

/**
 * Compiles `pattern` with Go's regexp syntax (RE2). `what` names where it came from for the error
 * (`--include-tags`, `sync.yml: registry.example.com: images-by-tag-regex: app`).
 */
export async function compileTagRegex(pattern: string, what: string): Promise<TagRegex> {
  engine ??= import('re2js')
  const { RE2JS } = await engine
  let re: InstanceType<typeof RE2JS>
  try {
    re = RE2JS.compile(pattern)
  } catch (e) {
    const reason = (e as Error).message.replace(/^error parsing regexp: /, '')
    throw new SkiffError(
      'ERR_INVALID_ARGUMENT',
      `${what}: invalid regular expression "${pattern}": ${reason} (Go/RE2 syntax: no look-around or back-references)`,
      { cause: e },
    )
  }
  return { source: pattern, test: (tag: string) => re.test(tag) }
}

export interface TagFilter {
  include?: TagMatcher
  exclude?: TagMatcher
}

/** Whether a tag passes the filters; images named by digest only (no tag) always pass. */
export function tagAllowed(tag: string | undefined, f: TagFilter): boolean {
  if (tag === undefined) return true
  if (f.include && !f.include.test(tag)) return false
  if (f.exclude && f.exclude.test(tag)) return false
  return true
}

/** The tag in the last element of a dir/oci name (`app:v1` → `v1`), if any. */
export function tagOfName(name: string): string | undefined {
  const last = name.slice(name.lastIndexOf('/') + 1)
  if (last.includes('@')) return undefined
  const i = last.lastIndexOf(':')
  return i < 0 ? undefined : last.slice(i + 1)
}
