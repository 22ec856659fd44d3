/**
 * TOML for configuration files (registries.conf and its drop-ins), read with smol-toml (TOML 1.0,
 * plus 1.1's `\e` escape). Dates and times are refused (no file skiff reads uses them, and a date
 * where a string is expected must not pass as a table). Errors are `TomlError` with a one-line
 * message "line N: …" in skiff's wording; smol-toml's own (multi-line, with a code excerpt) is the cause.
 */
import { parse, TomlDate, TomlError as SmolTomlError } from 'smol-toml'

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable
export interface TomlTable {
  [key: string]: TomlValue
}

export class TomlError extends Error {
  constructor(
    message: string,
    readonly line: number,
    options?: { cause?: unknown },
  ) {
    super(`line ${line}: ${message}`, options)
    this.name = 'TomlError'
  }
}

/** smol-toml's reasons in skiff's words (the rest are kept as they are). */
const WORDING: Record<string, string> = {
  'unfinished string': 'unterminated string',
  'expected comma or end of structure': 'expected "," or "]" after an array item (or "," or "}" in an inline table)',
  'each key-value declaration must be followed by an end-of-line': 'expected the end of the line after a value',
  'unrecognised escape sequence': 'invalid escape sequence',
  'unexpected end of key': 'expected a key',
  'illegal empty bare key': 'expected a key',
}

/** What a "redefine" names: the table header or the key on that line. */
function redefinition(lineText: string): string {
  const t = lineText.trim()
  const arr = /^\[\[\s*(.*?)\s*\]\]/.exec(t)
  if (arr) return `[[${arr[1]}]] conflicts with an earlier definition of "${arr[1]}"`
  const table = /^\[\s*(.*?)\s*\]/.exec(t)
  if (table) return `table [${table[1]}] is defined more than once`
  const key = t
    .slice(0, Math.max(0, t.indexOf('=')))
    .trim()
    .replace(/^"(.*)"$|^'(.*)'$/, '$1$2')
  return `key "${key}" is defined more than once`
}

function translate(e: SmolTomlError, text: string): TomlError {
  const reason = e.message
    .replace(/^Invalid TOML document: /, '')
    .split('\n')[0]!
    .trim()
  const line = e.line || 1
  const msg = reason.startsWith('trying to redefine')
    ? redefinition(text.split(/\r?\n/)[line - 1] ?? '')
    : (WORDING[reason] ?? reason)
  return new TomlError(msg, line, { cause: e })
}

/** smol-toml's null-prototype tables as plain objects (Object.fromEntries: a `__proto__` key stays a key). */
function plain(v: unknown, path: string, text: string): TomlValue {
  if (v instanceof TomlDate) throw dateError(path, text)
  if (Array.isArray(v)) return v.map((x, i) => plain(x, `${path}[${i}]`, text))
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, plain(x, path ? `${path}.${k}` : k, text)]),
    ) as TomlTable
  }
  return v as TomlValue
}

function dateError(path: string, text: string): TomlError {
  const key =
    path
      .replace(/\[\d+\]$/, '')
      .split('.')
      .pop() ?? path
  const line = text.split(/\r?\n/).findIndex((l) => l.trimStart().startsWith(key)) + 1
  return new TomlError(`"${path}": dates and times are not supported here`, line || 1)
}

/** Parses TOML text; throws TomlError ("line N: …") on malformed input. */
export function parseToml(text: string): TomlTable {
  const src = text.replace(/^\uFEFF/, '')
  let doc: Record<string, unknown>
  try {
    doc = parse(src)
  } catch (e) {
    if (e instanceof SmolTomlError) throw translate(e, src)
    throw e
  }
  return plain(doc, '', src) as TomlTable
}
