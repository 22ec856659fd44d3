/**
 * Flag specifications (one table drives commander, argv normalization, help and completion) and
 * the value parsers that give flags Go/pflag semantics: strconv.ParseBool, ParseInt, CSV slices,
 * time.ParseDuration.
 */
import { parseGoDuration } from './duration.js'
import { UsageError } from './usage-error.js'

export type FlagKind = 'bool' | 'string' | 'strings' | 'int' | 'ints' | 'duration'

export interface FlagSpec {
  /** Long name without the dashes: `src-tls-verify`. */
  name: string
  /** One-letter shorthand without the dash. */
  short?: string
  kind: FlagKind
  /** Placeholder shown in help (`PATH`); defaults to the kind (`string`, `int`, …). */
  argName?: string
  help: string
  /** Accepted but not listed (deprecated aliases). */
  hidden?: boolean
  /** For completion: complete a file, a directory, or one of these words. */
  complete?: 'file' | 'dir' | readonly string[]
}

/** What a parsed flag holds: undefined when the flag was not given (so "unset" differs from false). */
export type FlagValue = boolean | string | number | string[] | number[] | undefined

/** Flag values by long name, with typed getters. */
export class FlagValues {
  constructor(private readonly values: ReadonlyMap<string, FlagValue>) {}

  has(name: string): boolean {
    return this.values.get(name) !== undefined
  }

  bool(name: string): boolean | undefined {
    return this.values.get(name) as boolean | undefined
  }

  str(name: string): string | undefined {
    return this.values.get(name) as string | undefined
  }

  int(name: string): number | undefined {
    return this.values.get(name) as number | undefined
  }

  strings(name: string): string[] {
    return (this.values.get(name) as string[] | undefined) ?? []
  }

  ints(name: string): number[] {
    return (this.values.get(name) as number[] | undefined) ?? []
  }

  /** Milliseconds. */
  duration(name: string): number | undefined {
    return this.values.get(name) as number | undefined
  }
}

/** strconv.ParseBool. */
export function parseGoBool(flag: string, s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false
  throw new UsageError(
    `invalid argument "${s}" for "--${flag}" flag: strconv.ParseBool: parsing "${s}": invalid syntax`,
  )
}

/** strconv.ParseInt(s, 0, 64) for the values people type: decimal, 0x…, 0o…, 0b…, with a sign. */
export function parseGoInt(flag: string, s: string): number {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(s)
  if (m) {
    let body = m[2]!.replace(/_/g, '')
    let n: number
    if (/^0[0-7]+$/.test(body)) n = parseInt(body.slice(1), 8)
    else {
      if (/^0[oO]/.test(body)) body = '0o' + body.slice(2)
      n = Number(body)
    }
    if (Number.isSafeInteger(n)) return m[1] === '-' ? -n : n
  }
  throw new UsageError(`invalid argument "${s}" for "--${flag}" flag: strconv.ParseInt: parsing "${s}": invalid syntax`)
}

/** A pflag string-slice value: comma-separated, with CSV quoting ("a,b",c → [a,b  c]). */
export function splitCsv(flag: string, s: string): string[] {
  if (s === '') return []
  const out: string[] = []
  let i = 0
  while (i <= s.length) {
    let field = ''
    if (s[i] === '"') {
      i++
      for (;;) {
        if (i >= s.length)
          throw new UsageError(`invalid argument "${s}" for "--${flag}" flag: extraneous or missing " in quoted-field`)
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        field += s[i++]
      }
      if (i < s.length && s[i] !== ',')
        throw new UsageError(`invalid argument "${s}" for "--${flag}" flag: extraneous or missing " in quoted-field`)
    } else {
      const j = s.indexOf(',', i)
      field = j < 0 ? s.slice(i) : s.slice(i, j)
      i = j < 0 ? s.length : j
    }
    out.push(field)
    i++ // skip the comma (or step past the end)
  }
  return out
}

/** Parses one occurrence of a flag's value, accumulating slices onto `previous`. */
export function parseFlagValue(spec: FlagSpec, raw: string, previous: FlagValue): FlagValue {
  switch (spec.kind) {
    case 'bool':
      return parseGoBool(spec.name, raw)
    case 'string':
      return raw
    case 'int':
      return parseGoInt(spec.name, raw)
    case 'duration':
      try {
        return parseGoDuration(raw)
      } catch (e) {
        throw new UsageError(`invalid argument "${raw}" for "--${spec.name}" flag: ${(e as Error).message}`)
      }
    case 'strings':
      return [...((previous as string[] | undefined) ?? []), ...splitCsv(spec.name, raw)]
    case 'ints':
      return [
        ...((previous as number[] | undefined) ?? []),
        ...splitCsv(spec.name, raw).map((x) => parseGoInt(spec.name, x.trim())),
      ]
  }
}

/** The placeholder shown after a flag in help: `string`, `PATH`, none for booleans. */
export function flagArgName(spec: FlagSpec): string {
  if (spec.kind === 'bool') return ''
  return spec.argName ?? spec.kind
}

/** A lookup of long names and shorthands (without dashes) to specs. */
export function flagTable(specs: readonly FlagSpec[]): Map<string, FlagSpec> {
  const t = new Map<string, FlagSpec>()
  for (const s of specs) {
    t.set(s.name, s)
    if (s.short) t.set(s.short, s)
  }
  return t
}
