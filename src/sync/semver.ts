/**
 * A small semantic-version range matcher for YAML's `images-by-semver`, following the rules of
 * Masterminds/semver v3 (what skopeo uses): lenient versions (`v1.2`, `1`, `1.2.3-rc.1+b`), `,` or
 * space for AND, `||` for OR, `= != > < >= <= =< ~ ~> ^`, wildcards (`1.2.x`, `1.*`, `*`), hyphen
 * ranges (`1.2 - 1.4.5`); a pre-release version only matches a constraint that itself names a
 * pre-release.
 */
import { SkiffError } from '../errors.js'

export interface Version {
  major: number
  minor: number
  patch: number
  pre: string[]
}

const VERSION_RE =
  /^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/

/** Parses a tag as a version (Masterminds NewVersion); undefined when it is not one. */
export function parseVersion(s: string): Version | undefined {
  const m = VERSION_RE.exec(s)
  if (!m) return undefined
  const pre = m[4] ? m[4].split('.') : []
  // numeric pre-release identifiers must not have leading zeros
  if (pre.some((p) => /^0[0-9]+$/.test(p))) return undefined
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), pre }
}

function comparePre(a: string[], b: string[]): number {
  if (!a.length && !b.length) return 0
  if (!a.length) return 1
  if (!b.length) return -1
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i]
    const y = b[i]
    if (x === undefined) return -1
    if (y === undefined) return 1
    const xn = /^[0-9]+$/.test(x)
    const yn = /^[0-9]+$/.test(y)
    if (xn && yn) {
      const d = Number(x) - Number(y)
      if (d) return Math.sign(d)
    } else if (xn !== yn) return xn ? -1 : 1
    else if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

export function compareVersions(a: Version, b: Version): number {
  return (
    Math.sign(a.major - b.major) ||
    Math.sign(a.minor - b.minor) ||
    Math.sign(a.patch - b.patch) ||
    comparePre(a.pre, b.pre)
  )
}

type Test = (v: Version) => boolean

interface Bound {
  v: Version
  /** How many parts were given (1..3); wildcard parts count as not given. */
  parts: number
  hasPre: boolean
}

const WILD = /^[xX*]$/

function parseBound(s: string, constraint: string): Bound {
  const raw = s.replace(/^v/, '')
  if (raw === '' || WILD.test(raw)) return { v: { major: 0, minor: 0, patch: 0, pre: [] }, parts: 0, hasPre: false }
  const [core, ...rest] = raw.split(/(?=[-+])/)
  const nums = core!.split('.')
  let parts = 0
  const vals: number[] = []
  for (const n of nums) {
    if (WILD.test(n)) break
    if (!/^[0-9]+$/.test(n)) throw badConstraint(constraint)
    vals.push(Number(n))
    parts++
  }
  if (nums.length > 3) throw badConstraint(constraint)
  const suffix = rest.join('')
  const pv = parseVersion(`${vals[0] ?? 0}.${vals[1] ?? 0}.${vals[2] ?? 0}${parts === nums.length ? suffix : ''}`)
  if (!pv) throw badConstraint(constraint)
  return { v: pv, parts, hasPre: pv.pre.length > 0 }
}

function badConstraint(c: string): SkiffError {
  return new SkiffError(
    'ERR_INVALID_ARGUMENT',
    `improper semver constraint "${c}": use e.g. ">=1.2, <2", "~1.4", "^2.0", "1.2.x" or "1.2 - 1.4"`,
  )
}

const bump = (v: Version, part: 'major' | 'minor' | 'patch'): Version =>
  part === 'major'
    ? { major: v.major + 1, minor: 0, patch: 0, pre: [] }
    : part === 'minor'
      ? { major: v.major, minor: v.minor + 1, patch: 0, pre: [] }
      : { ...v, patch: v.patch + 1, pre: [] }

const ge =
  (lo: Version): Test =>
  (v) =>
    compareVersions(v, lo) >= 0
const lt =
  (hi: Version): Test =>
  (v) =>
    compareVersions(v, hi) < 0
const and =
  (...t: Test[]): Test =>
  (v) =>
    t.every((f) => f(v))

/** One `op version` term → a test on versions (without the pre-release rule, applied outside). */
function term(op: string, b: Bound, constraint: string): Test {
  const { v, parts } = b
  const upper = (): Version => bump(v, parts <= 1 ? 'major' : parts === 2 ? 'minor' : 'patch')
  switch (op) {
    case '':
    case '=':
      if (parts === 0) return () => true
      return parts === 3 ? (x) => compareVersions(x, v) === 0 : and(ge(v), lt(upper()))
    case '!=':
      if (parts === 0) return () => false
      return parts === 3 ? (x) => compareVersions(x, v) !== 0 : (x) => !(ge(v)(x) && lt(upper())(x))
    case '>':
      if (parts === 0) return () => false
      return parts === 3 ? (x) => compareVersions(x, v) > 0 : ge(upper())
    case '>=':
      return ge(v)
    case '<':
      return lt(v)
    case '<=':
    case '=<':
      return parts === 3 ? (x) => compareVersions(x, v) <= 0 : lt(upper())
    case '~':
    case '~>':
      if (parts === 0) return () => true
      return and(ge(v), lt(bump(v, parts === 1 ? 'major' : 'minor')))
    case '^':
      if (parts === 0) return () => true
      if (v.major > 0 || parts === 1) return and(ge(v), lt(bump(v, 'major')))
      if (v.minor > 0 || parts === 2) return and(ge(v), lt(bump(v, 'minor')))
      return and(ge(v), lt(bump(v, 'patch')))
    default:
      throw badConstraint(constraint)
  }
}

const TERM_RE = /^(!=|>=|<=|=<|~>|[=<>~^])?\s*(v?[0-9xX*][0-9A-Za-z.+*-]*)$/

/** Compiles a constraint string into a predicate on tags (non-versions never match). */
export function semverMatcher(constraint: string): (tag: string) => boolean {
  const alternatives: { test: Test; allowsPre: boolean }[] = []
  for (const alt of constraint.split('||')) {
    const s = alt.trim()
    if (!s) throw badConstraint(constraint)
    const tests: Test[] = []
    let allowsPre = false
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(s)
    if (hyphen) {
      const lo = parseBound(hyphen[1]!, constraint)
      const hi = parseBound(hyphen[2]!, constraint)
      allowsPre = lo.hasPre || hi.hasPre
      tests.push(ge(lo.v), term('<=', hi, constraint))
    } else {
      // join operators to their versions ("> 1.2" → ">1.2"), then split on commas and spaces
      const items = s
        .replace(/(!=|>=|<=|=<|~>|[=<>~^])\s+/g, '$1')
        .split(/[\s,]+/)
        .filter(Boolean)
      for (const it of items) {
        const m = TERM_RE.exec(it)
        if (!m) throw badConstraint(constraint)
        const b = parseBound(m[2]!, constraint)
        allowsPre ||= b.hasPre
        tests.push(term(m[1] ?? '', b, constraint))
      }
    }
    alternatives.push({ test: and(...tests), allowsPre })
  }
  return (tag: string) => {
    const v = parseVersion(tag)
    if (!v) return false
    return alternatives.some((a) => (v.pre.length === 0 || a.allowsPre) && a.test(v))
  }
}
