/**
 * JSON as Go's encoding/json writes it, for output that is byte-identical with skopeo's:
 * json.MarshalIndent(v, "", "    ") plus a newline for `inspect`, json.Marshal for `{{json}}`.
 * Structs (plain objects) keep field order and honour omitempty; Maps are written in sorted key
 * order; <, > and & are escaped as \u003c… unless escapeHTML is false; GoTime writes RFC 3339.
 */
import { GoNil, GoTime, goCompareStrings, structMeta } from './go-values.js'

export interface MarshalOptions {
  /** Indentation per level ('' = compact). */
  indent?: string
  /** Escape <, > and & (Go's default; json.Encoder.SetEscapeHTML(false) turns it off). */
  escapeHTML?: boolean
}

function quote(s: string, escapeHTML: boolean): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x22) out += '\\"'
    else if (c === 0x5c) out += '\\\\'
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c === 0x09) out += '\\t'
    else if (c < 0x20 || c === 0x2028 || c === 0x2029 || (escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26))) {
      out += '\\u' + c.toString(16).padStart(4, '0')
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!
        i++
      } else out += '\ufffd' // Go replaces invalid UTF-8 with U+FFFD
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\ufffd'
    else out += s[i]!
  }
  return out + '"'
}

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null || v instanceof GoNil) return true
  if (typeof v === 'string') return v === ''
  if (typeof v === 'number') return v === 0
  if (typeof v === 'boolean') return !v
  if (Array.isArray(v)) return v.length === 0
  if (v instanceof Map) return v.size === 0
  return false // structs and times are never "empty" for omitempty
}

function encode(v: unknown, opts: Required<MarshalOptions>, prefix: string): string {
  if (v === undefined || v === null || v instanceof GoNil) return 'null'
  if (typeof v === 'string') return quote(v, opts.escapeHTML)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${v}`)
    return JSON.stringify(v)
  }
  if (v instanceof GoTime) return quote(v.toJSON(), opts.escapeHTML)
  if (v instanceof Uint8Array) return quote(Buffer.from(v).toString('base64'), opts.escapeHTML)
  const inner = prefix + opts.indent
  const nl = opts.indent ? '\n' : ''
  const colon = opts.indent ? ': ' : ':'
  const wrap = (open: string, items: string[], close: string): string =>
    items.length === 0 ? open + close : `${open}${nl}${items.map((x) => inner + x).join(',' + nl)}${nl}${prefix}${close}`
  if (Array.isArray(v)) return wrap('[', v.map((x) => encode(x, opts, inner)), ']')
  if (v instanceof Map) {
    const keys = [...v.keys()].map(String).sort(goCompareStrings)
    return wrap('{', keys.map((k) => quote(k, opts.escapeHTML) + colon + encode(v.get(k), opts, inner)), '}')
  }
  if (typeof v === 'object') {
    const meta = structMeta(v)
    const items: string[] = []
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue
      if (meta?.omitEmpty?.has(k) && isEmptyValue(x)) continue
      items.push(quote(meta?.jsonNames?.[k] ?? k, opts.escapeHTML) + colon + encode(x, opts, inner))
    }
    return wrap('{', items, '}')
  }
  throw new Error(`json: unsupported type: ${typeof v}`)
}

/** json.Marshal (compact) or json.MarshalIndent("", indent). */
export function marshalGo(v: unknown, opts: MarshalOptions = {}): string {
  return encode(v, { indent: opts.indent ?? '', escapeHTML: opts.escapeHTML ?? true }, '')
}

/** What skopeo prints for JSON output: MarshalIndent(v, "", "    ") and a newline. */
export function jsonOutput(v: unknown): string {
  return marshalGo(v, { indent: '    ' }) + '\n'
}
