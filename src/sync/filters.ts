/** Tag filters: --include-tags / --exclude-tags (every source) and YAML's images-by-tag-regex. */
import { SkiffError } from '../errors.js'

/**
 * Compiles a Go (RE2) regular expression for JavaScript. The common syntax is the same; RE2's
 * inline flags group `(?i)` at the start is translated; unanchored, as Go's MatchString.
 */
export function compileTagRegex(source: string, what: string): RegExp {
  let flags = ''
  let body = source
  const m = /^\(\?([imsU]+)\)/.exec(body)
  if (m) {
    body = body.slice(m[0].length)
    if (m[1]!.includes('i')) flags += 'i'
    if (m[1]!.includes('s')) flags += 's'
    if (m[1]!.includes('m')) flags += 'm'
  }
  try {
    return new RegExp(body, flags)
  } catch (e) {
    throw new SkiffError('ERR_INVALID_ARGUMENT', `invalid regular expression for ${what} "${source}": ${(e as Error).message}`)
  }
}

export interface TagFilter {
  include?: RegExp
  exclude?: RegExp
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
