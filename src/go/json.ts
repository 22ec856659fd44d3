/**
 * JSON exactly as Go's encoding/json writes it — the one encoder for everything skiff must write
 * byte-identical with skopeo: manifests and configs it generates (same digest), legacy docker-archive
 * metadata, `inspect` output (json.MarshalIndent(v, "", "    ") plus a newline) and `{{json}}`.
 * In the go/values.ts model: plain objects are structs (fields in insertion order, `undefined`
 * fields left out, omitempty and JSON names from goStruct metadata); `Map`s are Go maps, written
 * with keys in Go's byte-wise order (a plain object cannot hold them: JavaScript puts integer-like
 * keys first); GoNil is null; GoTime is RFC 3339; Uint8Array is base64 ([]byte); GoRawJSON is
 * written as it is (json.RawMessage). <, >, & (unless escapeHTML is false), U+2028 and U+2029 are
 * escaped as Go does.
 */
import { GoNil, GoRawJSON, GoTime, goCompareStrings, structMeta } from './values.js'

export interface MarshalOptions {
  /** Indentation per level ('' = compact). */
  indent?: string
  /** Escape <, > and & (Go's default; json.Encoder.SetEscapeHTML(false) turns it off). */
  escapeHTML?: boolean
}

/** A JSON string as Go writes it: \n \r \t short escapes, other controls and U+2028/9 as \u00XX, <>& escaped unless escapeHTML is false, lone surrogates replaced by U+FFFD. */
export function goQuote(s: string, escapeHTML = true): string {
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
  if (typeof v === 'string') return goQuote(v, opts.escapeHTML)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${v}`)
    return JSON.stringify(v)
  }
  if (v instanceof GoTime) return goQuote(v.toJSON(), opts.escapeHTML)
  if (v instanceof GoRawJSON) return v.json
  if (v instanceof Uint8Array) return goQuote(Buffer.from(v).toString('base64'), opts.escapeHTML)
  const inner = prefix + opts.indent
  const nl = opts.indent ? '\n' : ''
  const colon = opts.indent ? ': ' : ':'
  const wrap = (open: string, items: string[], close: string): string =>
    items.length === 0
      ? open + close
      : `${open}${nl}${items.map((x) => inner + x).join(',' + nl)}${nl}${prefix}${close}`
  if (Array.isArray(v))
    return wrap(
      '[',
      v.map((x) => encode(x, opts, inner)),
      ']',
    )
  if (v instanceof Map) {
    const entries = [...v.entries()].filter(([, x]) => x !== undefined).map(([k, x]) => [String(k), x] as const)
    entries.sort(([a], [b]) => goCompareStrings(a, b))
    return wrap(
      '{',
      entries.map(([k, x]) => goQuote(k, opts.escapeHTML) + colon + encode(x, opts, inner)),
      '}',
    )
  }
  if (typeof v === 'object') {
    const meta = structMeta(v)
    const items: string[] = []
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue
      if (meta?.omitEmpty?.has(k) && isEmptyValue(x)) continue
      items.push(goQuote(meta?.jsonNames?.[k] ?? k, opts.escapeHTML) + colon + encode(x, opts, inner))
    }
    return wrap('{', items, '}')
  }
  throw new Error(`json: unsupported type: ${typeof v}`)
}

/** json.Marshal (compact), or json.MarshalIndent(v, "", indent) with `indent`. */
export function goMarshal(v: unknown, opts: MarshalOptions = {}): string {
  return encode(v, { indent: opts.indent ?? '', escapeHTML: opts.escapeHTML ?? true }, '')
}

/** json.MarshalIndent(v, "", indent). */
export function goMarshalIndent(v: unknown, indent = '    '): string {
  return goMarshal(v, { indent })
}

/** What skopeo prints for JSON output: MarshalIndent(v, "", "    ") and a newline. */
export function jsonOutput(v: unknown): string {
  return goMarshalIndent(v) + '\n'
}
