/**
 * A small model of Go values, so generated manifests, JSON output and --format templates come out
 * exactly as skopeo's Go code writes and prints them: plain objects are structs (fields in insertion order, optionally `omitempty`), `Map`s
 * are Go maps (printed in sorted key order), `GoNil` is a typed nil (prints `map[]`, `[]` or `<nil>`),
 * `GoTime` is a time.Time (RFC 3339 in JSON, `2006-01-02 15:04:05 -0700 MST` when printed).
 */

/** A typed nil: Go prints a nil map as `map[]`, a nil slice as `[]`, a nil pointer as `<nil>`; JSON `null`. */
export class GoNil {
  constructor(readonly kind: 'map' | 'slice' | 'ptr') {}
}

export const NIL_MAP = new GoNil('map')
export const NIL_SLICE = new GoNil('slice')
export const NIL_PTR = new GoNil('ptr')

/** json.RawMessage: JSON text the encoder writes as it is (compact it first with goCompact, as Go's Marshal does). */
export class GoRawJSON {
  constructor(readonly json: string) {}
}

const STRUCT_META = Symbol('goStruct')

export interface StructMeta {
  /** Go type name, for error messages. */
  typeName?: string
  /** Fields left out of JSON when empty (`json:",omitempty"`). */
  omitEmpty?: ReadonlySet<string>
  /** JSON key per field when it differs from the field name. */
  jsonNames?: Readonly<Record<string, string>>
  /** Go types of string fields that have methods in templates (e.g. `Digest: 'digest.Digest'`). */
  types?: Readonly<Record<string, string>>
}

/** Marks a plain object as a Go struct with metadata (omitempty fields, JSON names, type name). */
export function goStruct<T extends object>(obj: T, meta: StructMeta): T {
  Object.defineProperty(obj, STRUCT_META, { value: meta, enumerable: false })
  return obj
}

export function structMeta(obj: object): StructMeta | undefined {
  return (obj as Record<symbol, StructMeta | undefined>)[STRUCT_META]
}

/** A plain object (a Go struct in this model). */
export function isStruct(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Map || v instanceof Uint8Array)
    return false
  return !(v instanceof GoNil || v instanceof GoTime || v instanceof NoValue || v instanceof GoRawJSON)
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** A Go time.Time parsed from RFC 3339 text, keeping its nanoseconds and UTC offset as Go does. */
export class GoTime {
  private constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly nanos: number,
    /** Offset east of UTC, in minutes. */
    readonly offset: number,
    /** A time.Time value (a method's result) rather than the *time.Time of skopeo's structs. */
    readonly byValue = false,
  ) {}

  /** The zero time.Time (0001-01-01T00:00:00Z). */
  static zero(): GoTime {
    return new GoTime(1, 1, 1, 0, 0, 0, 0, 0)
  }

  /** Parses RFC 3339 as time.Time.UnmarshalJSON does; returns undefined when it is not valid. */
  static parse(s: string): GoTime | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/.exec(s)
    if (!m) return undefined
    const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ]
    const dim = new Date(Date.UTC(year, month, 0)).getUTCDate()
    if (month < 1 || month > 12 || day < 1 || day > dim || hour > 23 || minute > 59 || second > 59) return undefined
    const nanos = m[7] ? Number(m[7].slice(0, 9).padEnd(9, '0')) : 0
    let offset = 0
    if (!m[8] && m[9]) {
      const oh = Number(m[10])
      const om = Number(m[11])
      if (oh > 23 || om > 59) return undefined
      offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om)
    }
    return new GoTime(year, month, day, hour, minute, second, nanos, offset)
  }

  /** Seconds since 1970-01-01T00:00:00Z (time.Time.Unix). */
  unixSeconds(): number {
    const d = new Date(0)
    d.setUTCFullYear(this.year, this.month - 1, this.day)
    d.setUTCHours(this.hour, this.minute, this.second, 0)
    return Math.floor(d.getTime() / 1000) - this.offset * 60
  }

  /** The same instant at another UTC offset (minutes east): `.UTC` is `inOffset(0)`. */
  inOffset(offset: number): GoTime {
    const d = new Date((this.unixSeconds() + offset * 60) * 1000)
    return new GoTime(
      d.getUTCFullYear(),
      d.getUTCMonth() + 1,
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      this.nanos,
      offset,
      true,
    )
  }

  /** 0 = Sunday, as time.Weekday. */
  weekday(): number {
    const d = new Date(0)
    d.setUTCFullYear(this.year, this.month - 1, this.day)
    return d.getUTCDay()
  }

  /** Day of the year, 1..366 (time.Time.YearDay). */
  yearDay(): number {
    const d = new Date(0)
    d.setUTCFullYear(this.year, this.month - 1, this.day)
    const jan1 = new Date(0)
    jan1.setUTCFullYear(this.year, 0, 1)
    return Math.round((d.getTime() - jan1.getTime()) / 86_400_000) + 1
  }

  private fraction(): string {
    if (this.nanos === 0) return ''
    return '.' + pad(this.nanos, 9).replace(/0+$/, '')
  }

  /** time.RFC3339Nano, as encoding/json writes a time.Time. */
  toJSON(): string {
    const date = `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}T${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${this.fraction()}`
    if (this.offset === 0) return `${date}Z`
    const a = Math.abs(this.offset)
    return `${date}${this.offset < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
  }

  /** time.Time.String(): "2006-01-02 15:04:05.999999999 -0700 MST". */
  toString(): string {
    const a = Math.abs(this.offset)
    const off = `${this.offset < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}${pad(a % 60)}`
    const zone = this.offset === 0 ? 'UTC' : off
    return `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)} ${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}${this.fraction()} ${off} ${zone}`
  }
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false; structs are true. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null || v instanceof GoNil || v instanceof NoValue) return false
  if (typeof v === 'boolean') return v
  if (typeof v === 'number') return v !== 0
  if (typeof v === 'bigint') return v !== 0n
  if (typeof v === 'string') return v.length > 0
  if (Array.isArray(v)) return v.length > 0
  if (v instanceof Map) return v.size > 0
  return true
}

/** The Go type of a value, as error messages name it. */
export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return '<nil>'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64'
  // skopeo's structs hold *time.Time (Created); a method's result (.UTC) is a time.Time
  if (v instanceof GoTime) return v.byValue ? 'time.Time' : '*time.Time'
  if (v instanceof GoNil) return v.kind === 'map' ? 'map[string]string' : v.kind === 'slice' ? '[]string' : '*struct'
  if (Array.isArray(v)) return v.length > 0 && v.every((x) => typeof x === 'string') ? '[]string' : '[]interface {}'
  if (v instanceof Map) return 'map[string]string'
  return structMeta(v as object)?.typeName ?? 'interface {}'
}

/** Sorts strings in Go's byte-wise (UTF-8) order. */
export function goCompareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** A Go map[string]V from a record, keys in Go's order (Map keeps them; printing sorts anyway). */
export function goMap<V>(rec: Record<string, V> | Map<string, V>): Map<string, V> {
  const entries = rec instanceof Map ? [...rec.entries()] : Object.entries(rec)
  return new Map(entries.sort(([a], [b]) => goCompareStrings(a, b)))
}

/** The "invalid value" a template gets for a missing map key; prints as `<no value>`. */
export class NoValue {}
export const NO_VALUE = new NoValue()
