/**
 * The lexer of the Go text/template subset: splits a template into text and actions (applying
 * {{- -}} trimming and dropping comments) and an action into tokens; unquotes Go string literals.
 */
import { SkiffError } from '../../errors.js'

export type TokType =
  | 'space'
  | 'field'
  | 'var'
  | 'dot'
  | 'ident'
  | 'string'
  | 'number'
  | 'char'
  | 'lparen'
  | 'rparen'
  | 'pipe'
  | 'comma'
  | 'declare'
  | 'assign'
  | 'end'
export interface Tok {
  type: TokType
  val: string
  pos: number
}

export type Item = { kind: 'text'; text: string } | { kind: 'action'; toks: Tok[]; pos: number }

const SPACE = /[ \t\r\n]/
const ALNUM = /[\p{L}\p{N}_]/u

/** A template error as Go words it: `template: NAME:LINE: message`. */
export function templateError(name: string, text: string, pos: number, msg: string): SkiffError {
  const line = 1 + (text.slice(0, pos).match(/\n/g)?.length ?? 0)
  return new SkiffError('ERR_INVALID_ARGUMENT', `template: ${name}:${line}: ${msg}`)
}

export class TemplateLexer {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  err(pos: number, msg: string): SkiffError {
    return templateError(this.name, this.text, pos, msg)
  }

  /** Splits the text into text pieces and action token lists (with trimming and comments applied). */
  scan(): Item[] {
    const out: Item[] = []
    const s = this.text
    let trimNext = false
    let i = 0
    while (i <= s.length) {
      const open = s.indexOf('{{', i)
      let text = open === -1 ? s.slice(i) : s.slice(i, open)
      if (trimNext) text = text.replace(/^[ \t\r\n]+/, '')
      trimNext = false
      let p = open + 2
      const trimLeft = open !== -1 && s[p] === '-' && SPACE.test(s[p + 1] ?? '')
      if (trimLeft) {
        text = text.replace(/[ \t\r\n]+$/, '')
        p += 2
      }
      if (text) out.push({ kind: 'text', text })
      if (open === -1) break
      while (SPACE.test(s[p] ?? '') && trimLeft) p++
      if (s.startsWith('/*', p)) {
        const end = s.indexOf('*/', p + 2)
        if (end === -1) throw this.err(p, 'unclosed comment')
        let q = end + 2
        if (s[q] && SPACE.test(s[q]!) && s[q + 1] === '-' && s.startsWith('}}', q + 2)) {
          trimNext = true
          q += 2
        }
        if (!s.startsWith('}}', q)) throw this.err(p, 'comment ends before closing delimiter')
        i = q + 2
        continue
      }
      const { toks, next, trimRight } = this.lexAction(p)
      out.push({ kind: 'action', toks, pos: open })
      trimNext = trimRight
      i = next
    }
    return out
  }

  private lexAction(start: number): { toks: Tok[]; next: number; trimRight: boolean } {
    const s = this.text
    const toks: Tok[] = []
    let p = start
    let parens = 0
    for (;;) {
      if (p >= s.length) throw this.err(start, 'unclosed action')
      const c = s[p]!
      if (SPACE.test(c)) {
        let q = p
        while (q < s.length && SPACE.test(s[q]!)) q++
        if (s[q] === '-' && s.startsWith('}}', q + 1)) {
          toks.push({ type: 'end', val: '', pos: q })
          return { toks, next: q + 3, trimRight: true }
        }
        toks.push({ type: 'space', val: s.slice(p, q), pos: p })
        p = q
        continue
      }
      if (s.startsWith('}}', p)) {
        if (parens > 0) throw this.err(p, 'unclosed left paren')
        toks.push({ type: 'end', val: '', pos: p })
        return { toks, next: p + 2, trimRight: false }
      }
      if (c === '\n') throw this.err(p, 'unclosed action')
      if (c === '(') {
        parens++
        toks.push({ type: 'lparen', val: c, pos: p++ })
      } else if (c === ')') {
        if (--parens < 0) throw this.err(p, `unexpected right paren`)
        toks.push({ type: 'rparen', val: c, pos: p++ })
      } else if (c === '|') toks.push({ type: 'pipe', val: c, pos: p++ })
      else if (c === ',') toks.push({ type: 'comma', val: c, pos: p++ })
      else if (c === ':' && s[p + 1] === '=') {
        toks.push({ type: 'declare', val: ':=', pos: p })
        p += 2
      } else if (c === '=') toks.push({ type: 'assign', val: c, pos: p++ })
      else if (c === '"') {
        let q = p + 1
        while (q < s.length && s[q] !== '"') {
          if (s[q] === '\\') q++
          if (s[q] === '\n' || q >= s.length) throw this.err(p, 'unterminated quoted string')
          q++
        }
        if (q >= s.length) throw this.err(p, 'unterminated quoted string')
        toks.push({ type: 'string', val: s.slice(p, q + 1), pos: p })
        p = q + 1
      } else if (c === '`') {
        const q = s.indexOf('`', p + 1)
        if (q === -1) throw this.err(p, 'unterminated raw quoted string')
        toks.push({ type: 'string', val: s.slice(p, q + 1), pos: p })
        p = q + 1
      } else if (c === "'") {
        let q = p + 1
        while (q < s.length && s[q] !== "'") {
          if (s[q] === '\\') q++
          q++
        }
        toks.push({ type: 'char', val: s.slice(p, q + 1), pos: p })
        p = q + 1
      } else if (c === '$' || c === '.' || ALNUM.test(c)) {
        if (c === '.' && /[0-9]/.test(s[p + 1] ?? '')) {
          p = this.lexNumber(p, toks)
          continue
        }
        let q = p + 1
        while (q < s.length && ALNUM.test(s[q]!)) q++
        const word = s.slice(p, q)
        if (c === '$') toks.push({ type: 'var', val: word, pos: p })
        else if (c === '.') toks.push({ type: word === '.' ? 'dot' : 'field', val: word, pos: p })
        else if (/^[0-9]/.test(word)) {
          p = this.lexNumber(p, toks)
          continue
        } else toks.push({ type: 'ident', val: word, pos: p })
        p = q
      } else if ((c === '-' || c === '+') && /[0-9.]/.test(s[p + 1] ?? '')) {
        p = this.lexNumber(p, toks)
      } else {
        throw this.err(p, `unexpected ${JSON.stringify(c)} in operand`)
      }
    }
  }

  private lexNumber(p: number, toks: Tok[]): number {
    const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(
      this.text.slice(p),
    )
    const val = m?.[0] ?? ''
    if (!val || /^[+-]?\.?$/.test(val) || ALNUM.test(this.text[p + val.length] ?? '')) {
      throw this.err(p, `bad number syntax: ${JSON.stringify(this.text.slice(p, p + val.length + 1))}`)
    }
    toks.push({ type: 'number', val, pos: p })
    return p + val.length
  }

  /** Go string literal unquoting (strconv.Unquote). */
  unquote(t: Tok): string {
    if (t.val.startsWith('`')) return t.val.slice(1, -1).replace(/\r/g, '')
    const body = t.val.slice(1, -1)
    let out = ''
    for (let i = 0; i < body.length; i++) {
      const c = body[i]!
      if (c !== '\\') {
        out += c
        continue
      }
      const e = body[++i]
      const simple: Record<string, string> = {
        a: '\x07',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
        v: '\v',
        '\\': '\\',
        '"': '"',
        "'": "'",
      }
      if (e !== undefined && simple[e] !== undefined) out += simple[e]
      else if (e === 'x' || e === 'u' || e === 'U') {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8
        const hex = body.slice(i + 1, i + 1 + n)
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw this.err(t.pos, `invalid syntax in ${t.val}`)
        out += e === 'x' ? Buffer.from([parseInt(hex, 16)]).toString('latin1') : String.fromCodePoint(parseInt(hex, 16))
        i += n
      } else if (e !== undefined && /[0-7]/.test(e)) {
        const oct = body.slice(i, i + 3)
        if (!/^[0-7]{3}$/.test(oct)) throw this.err(t.pos, `invalid syntax in ${t.val}`)
        out += String.fromCharCode(parseInt(oct, 8))
        i += 2
      } else throw this.err(t.pos, `invalid syntax in ${t.val}`)
    }
    return out
  }
}
