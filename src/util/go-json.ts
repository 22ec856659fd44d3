/**
 * JSON exactly as Go's encoding/json writes it, so manifests skiff generates are byte-identical to
 * the ones skopeo generates (same digest). Plain objects are Go structs (fields in insertion order);
 * Go maps are passed as `Map`s (sortedMap) and written with keys in Go's byte-wise order — a plain
 * object cannot hold them, since JavaScript puts integer-like keys first. <, >, &, U+2028 and
 * U+2029 are escaped as Go does.
 */
function goEscape(s: string): string {
  return s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

function encode(v: unknown, indent: string, prefix: string): string {
  if (v === undefined || v === null) return 'null'
  if (typeof v !== 'object') return JSON.stringify(v)
  const inner = prefix + indent
  const nl = indent ? '\n' : ''
  const colon = indent ? ': ' : ':'
  const wrap = (open: string, items: string[], close: string): string =>
    items.length === 0 ? open + close : `${open}${nl}${items.map((x) => inner + x).join(',' + nl)}${nl}${prefix}${close}`
  if (Array.isArray(v)) return wrap('[', v.map((x) => encode(x, indent, inner)), ']')
  const entries = v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as const).sort((a, b) => byteOrder(a[0], b[0])) : Object.entries(v)
  return wrap('{', entries.filter(([, x]) => x !== undefined).map(([k, x]) => JSON.stringify(k) + colon + encode(x, indent, inner)), '}')
}

/** Compact, as json.Marshal. */
export function goMarshal(v: unknown): string {
  return goEscape(encode(v, '', ''))
}

/** Indented, as json.MarshalIndent(v, "", indent). */
export function goMarshalIndent(v: unknown, indent = '    '): string {
  return goEscape(encode(v, indent, ''))
}

/** A Go map: written with keys in Go's (byte-wise) order. */
export function sortedMap<T>(m: Record<string, T> | Map<string, T>): Map<string, T> {
  return m instanceof Map ? m : new Map(Object.entries(m))
}
