/**
 * Raw JSON text as Go's encoding/json handles json.RawMessage, to reproduce byte-for-byte the legacy
 * layer metadata containers/image writes (whose sha256 becomes the layer ID): the top-level values
 * of an object kept as written, compacted with HTML escaping, and maps of them marshaled by the one
 * encoder (json.ts) with sorted keys.
 */
import { SkiffError } from '../errors.js'
import { goMarshal } from './json.js'
import { GoRawJSON } from './values.js'

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r'
}

/** Index just past the JSON string starting at `i` (which is a '"'). */
function skipString(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++
    else if (s[j] === '"') return j + 1
  }
  throw new SkiffError('ERR_INVALID_ARGUMENT', 'invalid JSON: unterminated string')
}

/** Index just past the JSON value starting at `i`. */
function skipValue(s: string, i: number): number {
  const c = s[i]
  if (c === '"') return skipString(s, i)
  if (c === '{' || c === '[') {
    let depth = 0
    for (let j = i; j < s.length; j++) {
      const d = s[j]!
      if (d === '"') j = skipString(s, j) - 1
      else if (d === '{' || d === '[') depth++
      else if (d === '}' || d === ']') {
        depth--
        if (depth === 0) return j + 1
      }
    }
    throw new SkiffError('ERR_INVALID_ARGUMENT', 'invalid JSON: unterminated object or array')
  }
  let j = i
  while (j < s.length && !isSpace(s[j]!) && s[j] !== ',' && s[j] !== '}' && s[j] !== ']') j++
  if (j === i) throw new SkiffError('ERR_INVALID_ARGUMENT', 'invalid JSON: missing value')
  return j
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s[i]!)) i++
  return i
}

/** The raw text of each top-level member of a JSON object (later duplicates win, as in Go). */
export function rawObjectMembers(json: string): Map<string, string> {
  JSON.parse(json) // validates; the scanner below then only has to find boundaries
  const out = new Map<string, string>()
  let i = skipSpace(json, 0)
  if (json[i] !== '{') throw new SkiffError('ERR_INVALID_ARGUMENT', 'invalid JSON: expected an object')
  i = skipSpace(json, i + 1)
  if (json[i] === '}') return out
  for (;;) {
    const keyEnd = skipString(json, i)
    const key = JSON.parse(json.slice(i, keyEnd)) as string
    i = skipSpace(json, keyEnd) + 1 // past ':'
    i = skipSpace(json, i)
    const end = skipValue(json, i)
    out.set(key, json.slice(i, end))
    i = skipSpace(json, end)
    if (json[i] === '}') return out
    i = skipSpace(json, i + 1) // past ','
  }
}

const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
}

/** Go's json.Compact with HTML escaping (what Marshal does to a json.RawMessage). */
export function goCompact(raw: string): string {
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c === '"') {
      const end = skipString(raw, i)
      for (let j = i; j < end; j++) {
        const d = raw[j]!
        if (d === '\\') {
          out += d + raw[j + 1]!
          j++
        } else out += HTML_ESCAPES[d] ?? d
      }
      i = end - 1
    } else if (!isSpace(c)) out += c
  }
  return out
}

/** A value for goMarshalMap: raw JSON text (already compact) or a string to encode. */
export type GoValue = { raw: string } | string

/** Go's json.Marshal of a map[string]any: keys sorted, no spaces. */
export function goMarshalMap(m: Record<string, GoValue>): string {
  const entries = Object.entries(m).map(([k, v]) => [k, typeof v === 'string' ? v : new GoRawJSON(v.raw)] as const)
  return goMarshal(new Map(entries))
}
