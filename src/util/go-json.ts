/**
 * JSON exactly as Go's encoding/json writes it, so manifests skiff generates are byte-identical to
 * the ones skopeo generates (same digest): callers build objects in Go struct field order (maps are
 * passed through sortedMap), and <, >, &, U+2028 and U+2029 are escaped as Go does.
 */
function goEscape(s: string): string {
  return s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Compact, as json.Marshal. */
export function goMarshal(v: unknown): string {
  return goEscape(JSON.stringify(v))
}

/** Indented, as json.MarshalIndent(v, "", indent). */
export function goMarshalIndent(v: unknown, indent = '    '): string {
  return goEscape(JSON.stringify(v, null, indent))
}

/** A copy of a string map with keys in Go's (byte-wise) order. */
export function sortedMap<T>(m: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const k of Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = m[k]!
  return out
}
