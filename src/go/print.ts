/**
 * Go's fmt for the values of the go/values.ts model: %v printing (fmt.Sprint, used by templates to
 * print a pipeline's value), Sprintln, and a Sprintf covering the verbs users put in --format.
 */
import { GoNil, GoTime, NoValue, goCompareStrings, goTypeName, isStruct } from './values.js'

/** %g as Go's fmt prints a float64 with the shortest precision (%v). */
function formatFloatG(f: number): string {
  if (Number.isNaN(f)) return 'NaN'
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf'
  if (f === 0) return Object.is(f, -0) ? '-0' : '0'
  const [mant, e] = f.toExponential().split('e') as [string, string]
  const exp = Number(e)
  if (exp < -4 || exp >= 21) {
    const sign = exp < 0 ? '-' : '+'
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  return String(f)
}

function formatNumber(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? n.toFixed(0) : formatFloatG(n)
}

/** fmt's %v (or %+v with plus: struct field names). */
export function formatValue(v: unknown, plus = false, depth = 0): string {
  if (v instanceof NoValue) return '<no value>'
  if (v === undefined || v === null) return '<nil>'
  if (v instanceof GoNil) return v.kind === 'map' ? 'map[]' : v.kind === 'slice' ? '[]' : '<nil>'
  if (v instanceof GoTime) return v.toString()
  if (typeof v === 'string') return v
  if (typeof v === 'number') return formatNumber(v)
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  if (v instanceof Uint8Array) return `[${[...v].join(' ')}]`
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, plus, depth + 1)).join(' ')}]`
  if (v instanceof Map) {
    const keys = [...v.keys()].sort((a, b) =>
      typeof a === 'string' && typeof b === 'string' ? goCompareStrings(a, b) : a < b ? -1 : a > b ? 1 : 0,
    )
    return `map[${keys.map((k) => `${formatValue(k, plus, depth + 1)}:${formatValue(v.get(k), plus, depth + 1)}`).join(' ')}]`
  }
  if (isStruct(v)) {
    const parts = Object.entries(v).map(([k, x]) => (plus ? `${k}:` : '') + formatValue(x, plus, depth + 1))
    return `{${parts.join(' ')}}`
  }
  return String(v)
}

const isString = (v: unknown): boolean => typeof v === 'string'

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = ''
  args.forEach((a, i) => {
    if (i > 0 && !isString(a) && !isString(args[i - 1])) out += ' '
    out += formatValue(a)
  })
  return out
}

/** fmt.Sprintln: always spaces, and a newline. */
export function sprintln(args: unknown[]): string {
  return args.map((a) => formatValue(a)).join(' ') + '\n'
}

/** strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (c === 7) out += '\\a'
    else if (c === 8) out += '\\b'
    else if (c === 12) out += '\\f'
    else if (c === 10) out += '\\n'
    else if (c === 13) out += '\\r'
    else if (c === 9) out += '\\t'
    else if (c === 11) out += '\\v'
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd'
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || c === 0x2028 || c === 0x2029 || c === 0xfeff)
      out += '\\u' + c.toString(16).padStart(4, '0')
    else out += ch
  }
  return out + '"'
}

function badVerb(verb: string, v: unknown): string {
  if (v === undefined || v === null) return `%!${verb}(<nil>)`
  return `%!${verb}(${goTypeName(v)}=${formatValue(v)})`
}

interface Spec {
  minus: boolean
  plus: boolean
  sharp: boolean
  space: boolean
  zero: boolean
  width?: number
  prec?: number
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width ?? 0
  const len = [...s].length
  if (len >= w) return s
  if (spec.minus) return s + ' '.repeat(w - len)
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(s) ? s[0]! : ''
    return sign + '0'.repeat(w - len) + s.slice(sign.length)
  }
  return ' '.repeat(w - len) + s
}

function intVerb(n: number, verb: string, spec: Spec): string {
  const neg = n < 0
  const a = Math.abs(n)
  let body: string
  switch (verb) {
    case 'd':
      body = a.toFixed(0)
      break
    case 'x':
      body = (spec.sharp ? '0x' : '') + a.toString(16)
      break
    case 'X':
      body = (spec.sharp ? '0X' : '') + a.toString(16).toUpperCase()
      break
    case 'o':
      body = (spec.sharp ? '0' : '') + a.toString(8)
      break
    case 'b':
      body = a.toString(2)
      break
    default:
      body = a.toFixed(0)
  }
  if (spec.prec !== undefined) body = body.padStart(spec.prec, '0')
  return (neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '') + body
}

function floatVerb(f: number, verb: string, spec: Spec): string {
  let body: string
  const a = Math.abs(f)
  switch (verb) {
    case 'f':
    case 'F':
      body = a.toFixed(spec.prec ?? 6)
      break
    case 'e':
    case 'E': {
      const [m, e] = a.toExponential(spec.prec ?? 6).split('e') as [string, string]
      const ex = Number(e)
      body = `${m}e${ex < 0 ? '-' : '+'}${String(Math.abs(ex)).padStart(2, '0')}`
      if (verb === 'E') body = body.toUpperCase()
      break
    }
    default:
      body = spec.prec !== undefined ? String(Number(a.toPrecision(Math.max(spec.prec, 1)))) : formatFloatG(a)
  }
  return (f < 0 || Object.is(f, -0) ? '-' : spec.plus ? '+' : spec.space ? ' ' : '') + body
}

function formatOne(verb: string, v: unknown, spec: Spec): string {
  switch (verb) {
    case 'v':
      if (typeof v === 'number')
        return pad(Number.isInteger(v) ? intVerb(v, 'd', spec) : floatVerb(v, 'g', spec), spec, true)
      return pad(formatValue(v, spec.plus), spec, false)
    case 's':
    case 'q': {
      if (typeof v === 'number' && verb === 'q' && Number.isInteger(v))
        return pad(`'${String.fromCodePoint(v)}'`, spec, false)
      if (typeof v === 'number' || typeof v === 'boolean' || v === undefined || v === null) return badVerb(verb, v)
      let s = formatValue(v)
      if (typeof v === 'string' && spec.prec !== undefined) s = [...s].slice(0, spec.prec).join('')
      if (verb === 'q')
        s =
          typeof v === 'string'
            ? spec.sharp && !v.includes('`')
              ? `\`${v}\``
              : goQuote(s)
            : Array.isArray(v)
              ? `[${v.map((x) => goQuote(formatValue(x))).join(' ')}]`
              : goQuote(s)
      return pad(s, spec, false)
    }
    case 'd':
    case 'x':
    case 'X':
    case 'o':
    case 'b':
      if (typeof v === 'number' && Number.isInteger(v)) return pad(intVerb(v, verb, spec), spec, true)
      if (typeof v === 'string' && (verb === 'x' || verb === 'X')) {
        const hex = Buffer.from(v, 'utf8').toString('hex')
        return pad(verb === 'X' ? hex.toUpperCase() : hex, spec, false)
      }
      if (Array.isArray(v) && verb === 'd' && v.every((x) => typeof x === 'number'))
        return pad(`[${v.map((x) => intVerb(x as number, 'd', spec)).join(' ')}]`, spec, false)
      return badVerb(verb, v)
    case 'c':
      if (typeof v === 'number' && Number.isInteger(v)) return pad(String.fromCodePoint(v), spec, false)
      return badVerb(verb, v)
    case 't':
      if (typeof v === 'boolean') return pad(String(v), spec, false)
      return badVerb(verb, v)
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      if (typeof v === 'number') return pad(floatVerb(v, verb, spec), spec, true)
      return badVerb(verb, v)
    default:
      return badVerb(verb, v)
  }
}

/** fmt.Sprintf for the common verbs (%v %+v %s %q %d %x %X %o %b %c %t %e %f %g, width, precision, flags). */
export function sprintf(format: string, args: unknown[]): string {
  let out = ''
  let argi = 0
  let i = 0
  while (i < format.length) {
    const ch = format[i]!
    if (ch !== '%') {
      out += ch
      i++
      continue
    }
    i++
    if (i >= format.length) {
      out += '%!(NOVERB)'
      break
    }
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false }
    for (; i < format.length; i++) {
      const f = format[i]
      if (f === '-') spec.minus = true
      else if (f === '+') spec.plus = true
      else if (f === '#') spec.sharp = true
      else if (f === ' ') spec.space = true
      else if (f === '0') spec.zero = !spec.minus
      else break
    }
    const readNum = (): number | undefined => {
      if (format[i] === '*') {
        i++
        const a = args[argi++]
        return typeof a === 'number' ? a : undefined
      }
      const m = /^\d+/.exec(format.slice(i))
      if (!m) return undefined
      i += m[0].length
      return Number(m[0])
    }
    spec.width = readNum()
    if (spec.width !== undefined && spec.width < 0) {
      spec.minus = true
      spec.width = -spec.width
    }
    if (format[i] === '.') {
      i++
      spec.prec = readNum() ?? 0
    }
    const verb = format[i++]
    if (verb === undefined) {
      out += '%!(NOVERB)'
      break
    }
    if (verb === '%') {
      out += '%'
      continue
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`
      continue
    }
    out += formatOne(verb, args[argi++], spec)
  }
  if (argi < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argi)
        .map((a) => (a === undefined || a === null ? '<nil>' : `${goTypeName(a)}=${formatValue(a)}`))
        .join(', ') +
      ')'
  }
  return out
}
