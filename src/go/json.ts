/**
 * JSON as Go's encoding/json writes it, for output that is byte-identical with skopeo's:
 * json.MarshalIndent(v, "", "    ") plus a newline for `inspect`, json.Marshal for `{{json}}`.
 * Structs (plain objects) keep field order and honour omitempty; Maps are written in sorted key
 * order; <, > and & are escaped as \u003c… unless escapeHTML is false; GoTime writes RFC 3339.
 */
import { GoNil, GoTime, goCompareStrings, structMeta } from './values.js'
import { goQuote } from '../util/go-json.js'

export interface MarshalOptions {
  /** Indentation per level ('' = compact). */
  indent?: string
  /** Escape <, > and & (Go's default; json.Encoder.SetEscapeHTML(false) turns it off). */
  escapeHTML?: boolean
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
  if (v instanceof Uint8Array) return goQuote(Buffer.from(v).toString('base64'), opts.escapeHTML)
  const inner = prefix + opts.indent
  const nl = opts.indent ? '\n' : ''
  const colon = opts.indent ? ': ' : ':'
  const wrap = (open: string, items: string[], close: string): string =>
    items.length === 0 ? open + close : `${open}${nl}${items.map((x) => inner + x).join(',' + nl)}${nl}${prefix}${close}`
  if (Array.isArray(v)) return wrap('[', v.map((x) => encode(x, opts, inner)), ']')
  if (v instanceof Map) {
    const keys = [...v.keys()].map(String).sort(goCompareStrings)
    return wrap('{', keys.map((k) => goQuote(k, opts.escapeHTML) + colon + encode(v.get(k), opts, inner)), '}')
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

/** json.Marshal (compact) or json.MarshalIndent("", indent). */
export function marshalGo(v: unknown, opts: MarshalOptions = {}): string {
  return encode(v, { indent: opts.indent ?? '', escapeHTML: opts.escapeHTML ?? true }, '')
}

/** What skopeo prints for JSON output: MarshalIndent(v, "", "    ") and a newline. */
export function jsonOutput(v: unknown): string {
  return marshalGo(v, { indent: '    ' }) + '\n'
}
