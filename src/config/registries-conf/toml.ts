/**
 * A small TOML reader for configuration files: tables, arrays of tables, dotted and quoted keys,
 * basic/literal/multi-line strings, booleans, integers, floats, arrays and inline tables, comments.
 * (Dates/times are not supported; registries.conf and friends do not use them.)
 */

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable
export interface TomlTable {
  [key: string]: TomlValue
}

export class TomlError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`)
    this.name = 'TomlError'
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/
const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' }
/** Tables defined by a [header] or by dotted keys: may not be defined again by a header. */
type Meta = WeakSet<object>

class Parser {
  private pos = 0
  private line = 1
  private readonly explicit: Meta = new WeakSet()
  private readonly inlineOrStatic: Meta = new WeakSet()
  constructor(private readonly src: string) {}

  fail(msg: string): never {
    throw new TomlError(msg, this.line)
  }

  private peek(offset = 0): string {
    return this.src[this.pos + offset] ?? ''
  }

  private next(): string {
    const c = this.src[this.pos++] ?? ''
    if (c === '\n') this.line++
    return c
  }

  private startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos)
  }

  /** Spaces and tabs only. */
  private ws(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++
  }

  private comment(): void {
    if (this.peek() === '#') while (this.pos < this.src.length && this.peek() !== '\n') this.pos++
  }

  /** Whitespace, newlines and comments (inside arrays). */
  private wsNl(): void {
    for (;;) {
      this.ws()
      this.comment()
      if (this.peek() === '\n') this.next()
      else if (this.peek() === '\r' && this.peek(1) === '\n') {
        this.pos++
        this.next()
      } else return
    }
  }

  private endOfLine(): void {
    this.ws()
    this.comment()
    if (this.pos >= this.src.length) return
    if (this.peek() === '\r' && this.peek(1) === '\n') this.pos++
    if (this.peek() !== '\n') this.fail(`expected the end of the line, found "${this.peek()}"`)
    this.next()
  }

  parse(): TomlTable {
    const root: TomlTable = {}
    let current = root
    while (this.pos < this.src.length) {
      this.wsNl()
      if (this.pos >= this.src.length) break
      if (this.peek() === '[') {
        current = this.peek(1) === '[' ? this.arrayTableHeader(root) : this.tableHeader(root)
      } else {
        this.keyValue(current)
      }
      this.endOfLine()
    }
    return root
  }

  private key(): string[] {
    const parts: string[] = []
    for (;;) {
      this.ws()
      const c = this.peek()
      if (c === '"') parts.push(this.basicString())
      else if (c === "'") parts.push(this.literalString())
      else {
        let k = ''
        while (BARE_KEY.test(this.peek())) k += this.next()
        if (k === '') this.fail(`expected a key, found "${c || 'end of file'}"`)
        parts.push(k)
      }
      this.ws()
      if (this.peek() !== '.') return parts
      this.pos++
    }
  }

  /** Walks/creates the tables named by `path` (all but the last key of a dotted key). */
  private descend(table: TomlTable, path: string[], forDottedKey: boolean): TomlTable {
    let t = table
    for (const k of path) {
      let v = t[k]
      if (v === undefined) {
        v = {}
        t[k] = v
        if (forDottedKey) this.explicit.add(v)
      } else if (Array.isArray(v)) {
        if (forDottedKey || v.length === 0 || typeof v[v.length - 1] !== 'object' || Array.isArray(v[v.length - 1])) this.fail(`key "${k}" is not a table`)
        if (this.inlineOrStatic.has(v)) this.fail(`cannot extend static array "${k}"`)
        v = v[v.length - 1] as TomlTable
      } else if (typeof v !== 'object') {
        this.fail(`key "${k}" is already a value, not a table`)
      }
      if (this.inlineOrStatic.has(v as object)) this.fail(`cannot extend inline table "${k}"`)
      t = v as TomlTable
    }
    return t
  }

  private tableHeader(root: TomlTable): TomlTable {
    this.pos++
    const path = this.key()
    if (this.peek() !== ']') this.fail('expected "]" after the table name')
    this.pos++
    const parent = this.descend(root, path.slice(0, -1), false)
    const last = path[path.length - 1]!
    const existing = parent[last]
    if (existing !== undefined) {
      if (typeof existing !== 'object' || Array.isArray(existing) || this.explicit.has(existing) || this.inlineOrStatic.has(existing)) {
        this.fail(`table [${path.join('.')}] is defined more than once`)
      }
      this.explicit.add(existing)
      return existing
    }
    const t: TomlTable = {}
    this.explicit.add(t)
    parent[last] = t
    return t
  }

  private arrayTableHeader(root: TomlTable): TomlTable {
    this.pos += 2
    const path = this.key()
    if (!this.startsWith(']]')) this.fail('expected "]]" after the array-of-tables name')
    this.pos += 2
    const parent = this.descend(root, path.slice(0, -1), false)
    const last = path[path.length - 1]!
    let arr = parent[last]
    if (arr === undefined) {
      arr = []
      parent[last] = arr
    } else if (!Array.isArray(arr) || this.inlineOrStatic.has(arr)) {
      this.fail(`[[${path.join('.')}]] conflicts with an earlier definition of "${last}"`)
    }
    const t: TomlTable = {}
    arr.push(t)
    return t
  }

  private keyValue(table: TomlTable): void {
    const path = this.key()
    if (this.peek() !== '=') this.fail(`expected "=" after key "${path.join('.')}"`)
    this.pos++
    this.ws()
    const value = this.value()
    const parent = this.descend(table, path.slice(0, -1), true)
    const last = path[path.length - 1]!
    if (Object.prototype.hasOwnProperty.call(parent, last)) this.fail(`key "${path.join('.')}" is defined more than once`)
    parent[last] = value
  }

  private value(): TomlValue {
    const c = this.peek()
    if (c === '"') return this.startsWith('"""') ? this.multilineBasic() : this.basicString()
    if (c === "'") return this.startsWith("'''") ? this.multilineLiteral() : this.literalString()
    if (c === '[') return this.array()
    if (c === '{') return this.inlineTable()
    if (this.startsWith('true')) {
      this.pos += 4
      return true
    }
    if (this.startsWith('false')) {
      this.pos += 5
      return false
    }
    return this.number()
  }

  private number(): number {
    const m = /^[+-]?(?:inf|nan|0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?)/.exec(this.src.slice(this.pos, this.pos + 64))
    if (!m) this.fail(`expected a value, found "${this.peek() || 'end of file'}"`)
    this.pos += m[0].length
    const s = m[0].replace(/_/g, '')
    const sign = s.startsWith('-') ? -1 : 1
    const body = s.replace(/^[+-]/, '')
    if (body === 'inf') return sign * Infinity
    if (body === 'nan') return NaN
    if (/^0[xob]/.test(body)) return sign * Number(body)
    const n = Number(s)
    if (Number.isNaN(n)) this.fail(`invalid number "${m[0]}"`)
    return n
  }

  private escape(): string {
    const c = this.next()
    const simple = ESCAPES[c]
    if (simple !== undefined) return simple
    if (c !== 'u' && c !== 'U') return this.fail(`invalid escape "\\${c}"`)
    const len = c === 'u' ? 4 : 8
    const hex = this.src.slice(this.pos, this.pos + len)
    if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) this.fail(`invalid escape "\\${c}${hex}"`)
    this.pos += len
    return String.fromCodePoint(parseInt(hex, 16))
  }

  private basicString(): string {
    this.pos++
    let s = ''
    for (;;) {
      const c = this.next()
      if (c === '' || c === '\n') this.fail('unterminated string')
      if (c === '"') return s
      s += c === '\\' ? this.escape() : c
    }
  }

  private literalString(): string {
    this.pos++
    const end = this.src.indexOf("'", this.pos)
    const nl = this.src.indexOf('\n', this.pos)
    if (end === -1 || (nl !== -1 && nl < end)) this.fail('unterminated string')
    const s = this.src.slice(this.pos, end)
    this.pos = end + 1
    return s
  }

  private skipFirstNewline(): void {
    if (this.peek() === '\n') this.next()
    else if (this.peek() === '\r' && this.peek(1) === '\n') {
      this.pos++
      this.next()
    }
  }

  private multilineBasic(): string {
    this.pos += 3
    this.skipFirstNewline()
    let s = ''
    for (;;) {
      if (this.pos >= this.src.length) this.fail('unterminated multi-line string')
      if (this.startsWith('"""')) {
        return s + '"'.repeat(this.closingQuotes('"'))
      }
      const c = this.next()
      if (c === '\\') {
        // Line-ending backslash: trims the newline and following whitespace.
        let p = this.pos
        while (this.src[p] === ' ' || this.src[p] === '\t') p++
        if (this.src[p] === '\n' || (this.src[p] === '\r' && this.src[p + 1] === '\n')) {
          while (this.pos < this.src.length && /[ \t\r\n]/.test(this.peek())) this.next()
        } else s += this.escape()
      } else s += c
    }
  }

  private multilineLiteral(): string {
    this.pos += 3
    this.skipFirstNewline()
    const end = this.src.indexOf("'''", this.pos)
    if (end === -1) this.fail('unterminated multi-line string')
    const s = this.src.slice(this.pos, end)
    while (this.pos < end) this.next()
    return s + "'".repeat(this.closingQuotes("'"))
  }

  /** At a closing triple quote: consumes it plus up to two more quotes, which belong to the content. */
  private closingQuotes(q: string): number {
    let n = 0
    while (this.peek() === q) {
      n++
      this.pos++
    }
    if (n > 5) this.fail('too many quotes at the end of a multi-line string')
    return n - 3
  }

  private array(): TomlValue[] {
    this.pos++
    const arr: TomlValue[] = []
    this.inlineOrStatic.add(arr)
    for (;;) {
      this.wsNl()
      if (this.peek() === ']') {
        this.pos++
        return arr
      }
      arr.push(this.value())
      this.wsNl()
      if (this.peek() === ',') this.pos++
      else if (this.peek() === ']') {
        this.pos++
        return arr
      } else this.fail(`expected "," or "]" in array, found "${this.peek() || 'end of file'}"`)
    }
  }

  private inlineTable(): TomlTable {
    this.pos++
    const t: TomlTable = {}
    this.ws()
    if (this.peek() === '}') {
      this.pos++
      this.inlineOrStatic.add(t)
      return t
    }
    for (;;) {
      this.keyValue(t)
      this.ws()
      if (this.peek() === ',') {
        this.pos++
        continue
      }
      if (this.peek() === '}') {
        this.pos++
        this.inlineOrStatic.add(t)
        return t
      }
      this.fail(`expected "," or "}" in inline table, found "${this.peek() || 'end of file'}"`)
    }
  }
}

/** Parses TOML text; throws TomlError ("line N: …") on malformed input. */
export function parseToml(text: string): TomlTable {
  return new Parser(text.replace(/^\uFEFF/, '')).parse()
}
