/**
 * Template functions: Go text/template's builtins (and, or, not, len, index, slice, print, printf,
 * println, html, js, urlquery, eq, ne, lt, le, gt, ge) and the ones containers/common's report
 * package adds for podman/skopeo --format (json, join, lower, upper, title, split, pad, truncate).
 */
import { GoNil, GoTime, NO_VALUE, NoValue, goTypeName, isStruct, isTrue } from '../values.js'
import { formatValue, sprint, sprintf, sprintln } from '../print.js'
import { goMarshal } from '../json.js'

export class FuncError extends Error {}

/** Functions that get their arguments unevaluated (short-circuit): and, or. */
export const LAZY_FUNCS = new Set(['and', 'or'])

function want(v: unknown, type: 'string' | 'int', fn: string, i: number): void {
  const ok = type === 'string' ? typeof v === 'string' : typeof v === 'number' && Number.isInteger(v)
  if (!ok) throw new FuncError(`wrong type for value; expected ${type}; got ${goTypeName(v)}`)
  void fn
  void i
}

function arity(fn: string, args: unknown[], n: number): void {
  if (args.length !== n) throw new FuncError(`wrong number of args for ${fn}: want ${n} got ${args.length}`)
}

function length(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8')
  if (Array.isArray(v)) return v.length
  if (v instanceof Map) return v.size
  if (v instanceof GoNil && v.kind !== 'ptr') return 0
  throw new FuncError(`error calling len: len of type ${goTypeName(v)}`)
}

function indexOne(item: unknown, key: unknown): unknown {
  if (item instanceof GoNil && item.kind === 'map') return ''
  if (Array.isArray(item) || typeof item === 'string') {
    if (typeof key !== 'number' || !Number.isInteger(key))
      throw new FuncError(`error calling index: cannot index slice/array with type ${goTypeName(key)}`)
    const len = length(item)
    if (key < 0 || key >= len) throw new FuncError(`error calling index: index out of range: ${key}`)
    return typeof item === 'string' ? Buffer.from(item, 'utf8')[key] : item[key]
  }
  if (item instanceof Map) {
    if (item.has(key)) return item.get(key)
    return '' // the zero value of map[string]string's element type
  }
  if (item === undefined || item === null || item instanceof NoValue)
    throw new FuncError('error calling index: index of untyped nil')
  throw new FuncError(`error calling index: can't index item of type ${goTypeName(item)}`)
}

function basicKind(v: unknown): string {
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  if (typeof v === 'string') return 'string'
  return 'other'
}

function eq(a: unknown, ...bs: unknown[]): boolean {
  if (bs.length === 0) throw new FuncError('error calling eq: missing argument for comparison')
  for (const b of bs) {
    const ka = basicKind(a)
    const kb = basicKind(b)
    if (ka === 'other' || kb === 'other') {
      if (
        (a === undefined || a === null || a instanceof GoNil) &&
        (b === undefined || b === null || b instanceof GoNil)
      )
        return true
      if (isStruct(a) || isStruct(b) || Array.isArray(a) || Array.isArray(b) || a instanceof Map || b instanceof Map) {
        throw new FuncError('error calling eq: non-comparable type')
      }
      if (a === b) return true
      continue
    }
    const numeric = (k: string): boolean => k === 'int' || k === 'float'
    if (ka !== kb && !(numeric(ka) && numeric(kb)))
      throw new FuncError('error calling eq: incompatible types for comparison')
    if (a === b) return true
  }
  return false
}

function lt(a: unknown, b: unknown, fn: string): boolean {
  const ka = basicKind(a)
  const kb = basicKind(b)
  if (ka === 'bool' || ka === 'other' || kb === 'other')
    throw new FuncError(`error calling ${fn}: invalid type for comparison`)
  const numeric = (k: string): boolean => k === 'int' || k === 'float'
  if (ka !== kb && !(numeric(ka) && numeric(kb)))
    throw new FuncError(`error calling ${fn}: incompatible types for comparison`)
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0
  return (a as number) < (b as number)
}

function htmlEscape(s: string): string {
  return s.replace(
    /[<>&'"\0]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\ufffd' })[c]!,
  )
}

function jsEscape(s: string): string {
  let out = ''
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '\\') out += '\\\\'
    else if (ch === "'") out += "\\'"
    else if (ch === '"') out += '\\"'
    else if (ch === '<') out += '\\u003C'
    else if (ch === '>') out += '\\u003E'
    else if (ch === '&') out += '\\u0026'
    else if (ch === '=') out += '\\u003D'
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0))
      out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0')
    else out += ch
  }
  return out
}

function queryEscape(s: string): string {
  let out = ''
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b)
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c
    else if (c === ' ') out += '+'
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/** Go's strings.Title: upper-cases the first letter of each word. */
function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, pre: string, l: string) => pre + l.toUpperCase())
}

function evalArgsString(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args)
}

type Fn = (args: unknown[]) => unknown

export const FUNCS: Record<string, Fn> = {
  not: (a) => (arity('not', a, 1), !isTrue(a[0])),
  len: (a) => (arity('len', a, 1), length(a[0])),
  index: (a) => {
    if (a.length < 1) throw new FuncError('wrong number of args for index: want at least 1 got 0')
    let item = a[0]
    for (const k of a.slice(1)) item = indexOne(item, k)
    return item
  },
  slice: (a) => {
    if (a.length < 1) throw new FuncError('wrong number of args for slice: want at least 1 got 0')
    const [item, ...idx] = a
    if (idx.length > 3 || (typeof item === 'string' && idx.length > 2))
      throw new FuncError(`error calling slice: too many slice indexes: ${idx.length}`)
    if (typeof item !== 'string' && !Array.isArray(item))
      throw new FuncError(`error calling slice: can't slice item of type ${goTypeName(item)}`)
    const len = length(item)
    const [i = 0, j = len] = idx as number[]
    if (!(0 <= i && i <= j && j <= len)) throw new FuncError(`error calling slice: index out of range`)
    return typeof item === 'string' ? Buffer.from(item, 'utf8').subarray(i, j).toString('utf8') : item.slice(i, j)
  },
  print: (a) => sprint(a),
  printf: (a) => {
    if (a.length < 1) throw new FuncError('wrong number of args for printf: want at least 1 got 0')
    want(a[0], 'string', 'printf', 0)
    return sprintf(a[0] as string, a.slice(1))
  },
  println: (a) => sprintln(a),
  html: (a) => htmlEscape(evalArgsString(a)),
  js: (a) => jsEscape(evalArgsString(a)),
  urlquery: (a) => queryEscape(evalArgsString(a)),
  eq: (a) => {
    if (a.length < 1) throw new FuncError('wrong number of args for eq: want at least 1 got 0')
    return eq(a[0], ...a.slice(1))
  },
  ne: (a) => (arity('ne', a, 2), !eq(a[0], a[1])),
  lt: (a) => (arity('lt', a, 2), lt(a[0], a[1], 'lt')),
  le: (a) => (arity('le', a, 2), lt(a[0], a[1], 'le') || eq(a[0], a[1])),
  gt: (a) => (arity('gt', a, 2), !lt(a[0], a[1], 'gt') && !eq(a[0], a[1])),
  ge: (a) => (arity('ge', a, 2), !lt(a[0], a[1], 'ge')),
  // containers/common pkg/report DefaultFuncs
  json: (a) => (arity('json', a, 1), goMarshal(a[0] instanceof NoValue ? null : a[0], { escapeHTML: false })),
  join: (a) => {
    arity('join', a, 2)
    const [list, sep] = a
    want(sep, 'string', 'join', 1)
    if (list instanceof GoNil) return ''
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string'))
      throw new FuncError(`wrong type for value; expected []string; got ${goTypeName(list)}`)
    return list.join(sep as string)
  },
  lower: (a) => (arity('lower', a, 1), want(a[0], 'string', 'lower', 0), (a[0] as string).toLowerCase()),
  upper: (a) => (arity('upper', a, 1), want(a[0], 'string', 'upper', 0), (a[0] as string).toUpperCase()),
  title: (a) => (arity('title', a, 1), want(a[0], 'string', 'title', 0), title(a[0] as string)),
  split: (a) => {
    arity('split', a, 2)
    want(a[0], 'string', 'split', 0)
    want(a[1], 'string', 'split', 1)
    const [s, sep] = a as [string, string]
    return sep === '' ? [...s] : s.split(sep)
  },
  pad: (a) => {
    arity('pad', a, 3)
    want(a[0], 'string', 'pad', 0)
    want(a[1], 'int', 'pad', 1)
    want(a[2], 'int', 'pad', 2)
    return ' '.repeat(Math.max(0, a[1] as number)) + (a[0] as string) + ' '.repeat(Math.max(0, a[2] as number))
  },
  truncate: (a) => {
    arity('truncate', a, 2)
    want(a[0], 'string', 'truncate', 0)
    want(a[1], 'int', 'truncate', 1)
    const s = a[0] as string
    const n = a[1] as number
    const b = Buffer.from(s, 'utf8')
    return b.length > n ? b.subarray(0, n).toString('utf8') : s
  },
}

export function hasFunc(name: string): boolean {
  return LAZY_FUNCS.has(name) || Object.hasOwn(FUNCS, name)
}

export { formatValue, GoTime, NO_VALUE }
