/**
 * JSON exactly as Go's encoding/json writes it, so manifests skiff generates are byte-identical to
 * the ones skopeo generates (same digest). Plain objects are Go structs (fields in insertion order);
 * Go maps are passed as `Map`s (sortedMap) and written with keys in Go's byte-wise order — a plain
 * object cannot hold them, since JavaScript puts integer-like keys first. <, >, &, U+2028 and
 * U+2029 are escaped as Go does.
 */

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

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

function encode(v: unknown, indent: string, prefix: string): string {
  if (v === undefined || v === null) return 'null'
  if (typeof v === 'string') return goQuote(v)
  if (typeof v !== 'object') return JSON.stringify(v)
  const inner = prefix + indent
  const nl = indent ? '\n' : ''
  const colon = indent ? ': ' : ':'
  const wrap = (open: string, items: string[], close: string): string =>
    items.length === 0 ? open + close : `${open}${nl}${items.map((x) => inner + x).join(',' + nl)}${nl}${prefix}${close}`
  if (Array.isArray(v)) return wrap('[', v.map((x) => encode(x, indent, inner)), ']')
  const entries = v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as const).sort((a, b) => byteOrder(a[0], b[0])) : Object.entries(v)
  return wrap('{', entries.filter(([, x]) => x !== undefined).map(([k, x]) => goQuote(k) + colon + encode(x, indent, inner)), '}')
}

/** Compact, as json.Marshal. */
export function goMarshal(v: unknown): string {
  return encode(v, '', '')
}

/** Indented, as json.MarshalIndent(v, "", indent). */
export function goMarshalIndent(v: unknown, indent = '    '): string {
  return encode(v, indent, '')
}

/** A Go map: written with keys in Go's (byte-wise) order. */
export function sortedMap<T>(m: Record<string, T> | Map<string, T>): Map<string, T> {
  return m instanceof Map ? m : new Map(Object.entries(m))
}
