/**
 * A strict JSON reader for policy.json, as containers/image's ParanoidUnmarshalJSONObject: objects
 * keep their keys in order so duplicates and unknown keys can be rejected; errors read like Go's
 * encoding/json ("invalid character 'x' looking for beginning of value").
 */

export class JsonObject {
  constructor(readonly entries: Array<[string, JsonValue]>) {}
}
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject

export class PolicyFormatError extends Error {}

const GO_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 0x5c: '\\' }

/**
 * The character at `text[i]` as encoding/json's quoteChar prints it: Go's scanner works on bytes, so
 * a non-ASCII character is its first UTF-8 byte read as a rune (é → 'Ã'); `'` is `'\''`, `"` is
 * `'"'`, and strconv.Quote's escapes (\t, \x01, \\) stand for what is not printable.
 */
function quoteChar(text: string, i: number): string {
  if (text[i] === "'") return "'\\''"
  const b = Buffer.from(String.fromCodePoint(text.codePointAt(i)!))[0]!
  const hex = b.toString(16).padStart(2, '0')
  // a UTF-8 lead byte is 0xc2–0xf4, a printable rune in Go: only ASCII needs escapes
  const q =
    GO_ESCAPES[b] !== undefined ? `\\${GO_ESCAPES[b]}` : b < 0x20 || b === 0x7f ? `\\x${hex}` : String.fromCharCode(b)
  return `'${q}'`
}

/** Parses JSON text; throws PolicyFormatError with Go-like messages. */
export function parseStrictJson(text: string): JsonValue {
  let i = 0
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++
  }
  const fail = (context: string): never => {
    if (i >= text.length) throw new PolicyFormatError('unexpected end of JSON input')
    throw new PolicyFormatError(`invalid character ${quoteChar(text, i)} ${context}`)
  }
  const value = (): JsonValue => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const entries: Array<[string, JsonValue]> = []
      ws()
      if (text[i] === '}') {
        i++
        return new JsonObject(entries)
      }
      for (;;) {
        ws()
        if (text[i] !== '"') fail('looking for beginning of object key string')
        const k = string()
        ws()
        if (text[i] !== ':') fail('after object key')
        i++
        entries.push([k, value()])
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return new JsonObject(entries)
        }
        fail('after object key:value pair')
      }
    }
    if (c === '[') {
      i++
      const arr: JsonValue[] = []
      ws()
      if (text[i] === ']') {
        i++
        return arr
      }
      for (;;) {
        arr.push(value())
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return arr
        }
        fail('after array element')
      }
    }
    if (c === '"') return string()
    for (const [lit, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(lit, i)) {
        i += lit.length
        return v
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i))
    if (m) {
      i += m[0].length
      return Number(m[0])
    }
    return fail('looking for beginning of value')
  }
  const string = (): string => {
    const start = i
    i++
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++
      else if (text.charCodeAt(i) < 0x20) fail('in string literal')
      i++
    }
    if (i >= text.length) throw new PolicyFormatError('unexpected end of JSON input')
    i++
    try {
      return JSON.parse(text.slice(start, i)) as string
    } catch {
      throw new PolicyFormatError('invalid escape in string literal')
    }
  }
  const v = value()
  ws()
  if (i < text.length) fail('after top-level value')
  return v
}

export function jsonKind(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null'
  if (Array.isArray(v)) return 'array'
  if (v instanceof JsonObject) return 'object'
  return typeof v === 'boolean' ? 'bool' : typeof v
}

/** The first JSON token of a value as Go's %#v prints it (json.Delim('[') is "["). */
function goToken(v: JsonValue): string {
  if (Array.isArray(v)) return '"["'
  if (v === null) return '"%!s(<nil>)"' // fmt's %s of a nil json.Token, inside the message's quotes
  if (typeof v === 'string') return JSON.stringify(v)
  return String(v)
}

/**
 * Reads an object's keys as ParanoidUnmarshalJSONObject: each key once, each known to `accept`.
 * Returns the entries in order.
 */
export function paranoidObject(v: JsonValue, accept: (key: string) => boolean): Array<[string, JsonValue]> {
  if (!(v instanceof JsonObject)) throw new PolicyFormatError(`JSON object expected, got ${goToken(v)}`)
  const seen = new Set<string>()
  for (const [k] of v.entries) {
    if (seen.has(k)) throw new PolicyFormatError(`Duplicate key ${JSON.stringify(k)}`)
    seen.add(k)
    if (!accept(k)) throw new PolicyFormatError(`Unknown key ${JSON.stringify(k)}`)
  }
  return v.entries
}

/** As paranoidObject, and every one of `fields` must be present (ParanoidUnmarshalJSONObjectExactFields). */
export function exactFields(v: JsonValue, fields: string[]): Map<string, JsonValue> {
  const entries = paranoidObject(v, (k) => fields.includes(k))
  const m = new Map(entries)
  for (const f of fields)
    if (!m.has(f)) throw new PolicyFormatError(`Key ${JSON.stringify(f)} missing in a JSON object`)
  return m
}

/** A string field; null leaves Go's zero value (""), as encoding/json does. */
export function asString(v: JsonValue, field: string): string {
  if (v === null) return ''
  if (typeof v !== 'string')
    throw new PolicyFormatError(
      `json: cannot unmarshal ${jsonKind(v)} into Go value of type string (field ${JSON.stringify(field)})`,
    )
  return v
}

/** A []string field; null is a nil slice, as encoding/json does. */
export function asStringArray(v: JsonValue, field: string): string[] {
  if (v === null) return []
  if (!Array.isArray(v))
    throw new PolicyFormatError(
      `json: cannot unmarshal ${jsonKind(v)} into Go value of type []string (field ${JSON.stringify(field)})`,
    )
  return v.map((x) => asString(x, field))
}

/** A []byte field: base64 text, strictly checked as Go's encoding/json does. */
export function asBase64(v: JsonValue, field: string): string {
  const s = asString(v, field)
  if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
    throw new PolicyFormatError(`illegal base64 data in ${JSON.stringify(field)}`)
  }
  return s
}
