/**
 * The parser of the subset of Go's text/template that --format uses (lexing: template-lex.ts): pipelines,
 * fields and chains, variables, literals, parenthesized pipelines, if/else if/with/range/else/end,
 * break/continue, comments and {{- -}} whitespace trimming. Errors read like Go's.
 */
import type { SkiffError } from '../../errors.js'
import { TemplateLexer, type Tok } from './lex.js'
import { hasFunc } from './funcs.js'

export type Arg =
  | { t: 'field'; names: string[]; pos: number; src: string }
  | { t: 'chain'; node: Arg; names: string[]; pos: number; src: string }
  | { t: 'var'; name: string; names: string[]; pos: number; src: string }
  | { t: 'dot'; pos: number; src: string }
  | { t: 'nil'; pos: number; src: string }
  | { t: 'bool'; value: boolean; pos: number; src: string }
  | { t: 'number'; value: number; pos: number; src: string }
  | { t: 'string'; value: string; pos: number; src: string }
  | { t: 'ident'; name: string; pos: number; src: string }
  | { t: 'pipe'; pipe: Pipe; pos: number; src: string }

export interface Cmd {
  args: Arg[]
  pos: number
  src: string
}

export interface Pipe {
  decl: string[]
  isAssign: boolean
  cmds: Cmd[]
  pos: number
}

export type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipe: Pipe; pos: number }
  | ControlNode
  | { t: 'break' | 'continue'; pos: number }

export interface ControlNode {
  t: 'if' | 'with' | 'range'
  pipe: Pipe
  list: Node[]
  elseList?: Node[]
  pos: number
}

export class TemplateParser {
  private i = 0
  private readonly text: string
  /** Variables in scope (Go checks them at parse time). */
  private vars: string[] = ['$']

  constructor(
    readonly name: string,
    text: string,
  ) {
    this.text = text
    this.lexer = new TemplateLexer(name, text)
  }

  private readonly lexer: TemplateLexer

  private err(pos: number, msg: string): SkiffError {
    return this.lexer.err(pos, msg)
  }

  parse(): Node[] {
    const items = this.lexer.scan()
    let k = 0
    const parseList = (ends: string[]): { list: Node[]; end: string; pipeTail?: Tok[]; endPos: number } => {
      const list: Node[] = []
      while (k < items.length) {
        const it = items[k++]!
        if (it.kind === 'text') {
          list.push({ t: 'text', text: it.text })
          continue
        }
        const toks = it.toks.filter((t, i) => !(t.type === 'space' && (i === 0 || it.toks[i + 1]?.type === 'end')))
        const first = toks[0]!
        const kw = first.type === 'ident' ? first.val : ''
        if (kw === 'end' || kw === 'else') {
          if (!ends.includes(kw)) throw this.err(first.pos, `unexpected {{${kw}}}`)
          return { list, end: kw, pipeTail: toks.slice(1), endPos: first.pos }
        }
        if (kw === 'if' || kw === 'with' || kw === 'range') {
          list.push(this.control(kw, toks.slice(1), first.pos, parseList))
          continue
        }
        if (kw === 'break' || kw === 'continue') {
          list.push({ t: kw, pos: first.pos })
          continue
        }
        if (kw === 'define' || kw === 'template' || kw === 'block')
          throw this.err(first.pos, `{{${kw}}} is not supported in templates (skiff implements no named templates)`)
        list.push({ t: 'action', pipe: this.pipeline(toks, 'command'), pos: it.pos })
      }
      if (ends.length) throw this.err(this.text.length, 'unexpected EOF')
      return { list, end: '', endPos: this.text.length }
    }
    const root = parseList([])
    return root.list
  }

  private control(
    kw: 'if' | 'with' | 'range',
    toks: Tok[],
    pos: number,
    parseList: (ends: string[]) => { list: Node[]; end: string; pipeTail?: Tok[]; endPos: number },
  ): Node {
    const mark = this.vars.length
    const pipe = this.pipeline(toks, kw)
    const body = parseList(['end', 'else'])
    this.vars.length = mark
    let elseList: Node[] | undefined
    if (body.end === 'else') {
      const tail = body.pipeTail!
      const rest = tail[0]?.type === 'space' ? tail.slice(1) : tail
      if ((kw === 'if' || kw === 'with') && rest[0]?.type === 'ident' && rest[0].val === kw) {
        // {{else if …}} / {{else with …}}: a nested control that shares our {{end}}.
        elseList = [this.control(kw, rest.slice(1), rest[0].pos, parseList)]
      } else {
        if (rest[0]?.type !== 'end') throw this.err(body.endPos, 'unexpected tokens after {{else')
        const after = parseList(['end'])
        this.vars.length = mark
        elseList = after.list
        this.expectEmpty(after.pipeTail, after.endPos)
      }
    } else this.expectEmpty(body.pipeTail, body.endPos)
    return { t: kw, pipe, list: body.list, ...(elseList ? { elseList } : {}), pos }
  }

  private expectEmpty(tail: Tok[] | undefined, pos: number): void {
    const rest = (tail ?? []).filter((t) => t.type !== 'space')
    if (rest.length && rest[0]!.type !== 'end') throw this.err(pos, `unexpected ${rest[0]!.val} in end`)
  }

  /** Parses a pipeline from action tokens (ending in an 'end' or 'rparen' token). */
  private pipeline(toks: Tok[], context: string): Pipe {
    this.i = 0
    const p = this.parsePipe(toks, context, 'end')
    return p
  }

  private parsePipe(toks: Tok[], context: string, closer: 'end' | 'rparen'): Pipe {
    const skip = (): void => {
      while (toks[this.i]?.type === 'space') this.i++
    }
    skip()
    const startTok = toks[this.i]!
    const pipe: Pipe = { decl: [], isAssign: false, cmds: [], pos: startTok.pos }
    // Declarations: $x := / $x = / $i, $v :=
    const save = this.i
    if (toks[this.i]?.type === 'var') {
      const vars: string[] = [toks[this.i]!.val]
      let j = this.i + 1
      while (toks[j]?.type === 'space') j++
      if (toks[j]?.type === 'comma' && context === 'range') {
        j++
        while (toks[j]?.type === 'space') j++
        if (toks[j]?.type !== 'var') throw this.err(toks[j]?.pos ?? 0, 'too many declarations in range')
        vars.push(toks[j]!.val)
        j++
        while (toks[j]?.type === 'space') j++
      }
      if (toks[j]?.type === 'declare' || toks[j]?.type === 'assign') {
        pipe.decl = vars
        pipe.isAssign = toks[j]!.type === 'assign'
        if (pipe.isAssign) for (const v of vars) this.checkVar(v, toks[save]!.pos)
        else this.vars.push(...vars)
        this.i = j + 1
      } else this.i = save
    }
    for (;;) {
      skip()
      const t = toks[this.i]
      if (!t) throw this.err(startTok.pos, 'unclosed action')
      if (t.type === closer) {
        if (pipe.cmds.length === 0) throw this.err(t.pos, `missing value for ${context}`)
        return pipe
      }
      if (t.type === 'end' || t.type === 'rparen')
        throw this.err(t.pos, `unexpected ${t.type === 'end' ? '}}' : ')'} in ${context}`)
      pipe.cmds.push(this.command(toks, context))
      skip()
      if (toks[this.i]?.type === 'pipe') {
        this.i++
        skip()
        const n = toks[this.i]
        if (!n || n.type === closer) throw this.err(n?.pos ?? 0, 'missing command after |')
      }
    }
  }

  private command(toks: Tok[], context: string): Cmd {
    const first = toks[this.i]!
    const cmd: Cmd = { args: [], pos: first.pos, src: '' }
    for (;;) {
      const t = toks[this.i]
      if (!t || t.type === 'end' || t.type === 'rparen' || t.type === 'pipe') break
      if (t.type === 'space') {
        this.i++
        continue
      }
      const op = this.operand(toks, context)
      cmd.args.push(op)
      const n = toks[this.i]
      if (n && n.type !== 'space' && n.type !== 'end' && n.type !== 'rparen' && n.type !== 'pipe') {
        throw this.err(n.pos, `unexpected ${JSON.stringify(n.val)} in operand`)
      }
    }
    cmd.src = cmd.args.map((a) => a.src).join(' ')
    return cmd
  }

  private operand(toks: Tok[], context: string): Arg {
    const node = this.term(toks, context)
    const names: string[] = []
    let pos = node.pos // Go reports a chain's errors at its last field
    while (toks[this.i]?.type === 'field') {
      pos = toks[this.i]!.pos
      names.push(toks[this.i++]!.val.slice(1))
    }
    if (!names.length) return node
    const src = node.src + names.map((n) => '.' + n).join('')
    if (node.t === 'field') return { t: 'field', names: [...node.names, ...names], pos, src }
    if (node.t === 'var') return { t: 'var', name: node.name, names: [...node.names, ...names], pos, src }
    if (node.t === 'bool' || node.t === 'string' || node.t === 'number' || node.t === 'nil' || node.t === 'dot') {
      throw this.err(node.pos, `unexpected . after term ${JSON.stringify(node.src)}`)
    }
    return { t: 'chain', node, names, pos, src }
  }

  private term(toks: Tok[], context: string): Arg {
    const t = toks[this.i++]!
    switch (t.type) {
      case 'field':
        return { t: 'field', names: [t.val.slice(1)], pos: t.pos, src: t.val }
      case 'var':
        this.checkVar(t.val, t.pos)
        return { t: 'var', name: t.val, names: [], pos: t.pos, src: t.val }
      case 'dot':
        return { t: 'dot', pos: t.pos, src: '.' }
      case 'string':
        return { t: 'string', value: this.lexer.unquote(t), pos: t.pos, src: t.val }
      case 'char': {
        const v = this.lexer.unquote({ ...t, val: '"' + t.val.slice(1, -1).replace(/"/g, '\\"') + '"' })
        if ([...v].length !== 1) throw this.err(t.pos, `malformed character constant: ${t.val}`)
        return { t: 'number', value: v.codePointAt(0)!, pos: t.pos, src: t.val }
      }
      case 'number': {
        const clean = t.val.replace(/_/g, '')
        const neg = clean.startsWith('-')
        const body = clean.replace(/^[+-]/, '')
        let value: number
        if (/^0[xX]/.test(body)) value = parseInt(body.slice(2), 16)
        else if (/^0[oO]/.test(body)) value = parseInt(body.slice(2), 8)
        else if (/^0[bB]/.test(body)) value = parseInt(body.slice(2), 2)
        else if (/^0[0-7]+$/.test(body)) value = parseInt(body, 8)
        else value = Number(body)
        if (Number.isNaN(value)) throw this.err(t.pos, `bad number syntax: ${JSON.stringify(t.val)}`)
        return { t: 'number', value: neg ? -value : value, pos: t.pos, src: t.val }
      }
      case 'ident':
        if (t.val === 'true' || t.val === 'false') return { t: 'bool', value: t.val === 'true', pos: t.pos, src: t.val }
        if (t.val === 'nil') return { t: 'nil', pos: t.pos, src: t.val }
        if (
          ['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block'].includes(t.val)
        ) {
          throw this.err(t.pos, `unexpected <${t.val}> in ${context}`)
        }
        if (!hasFunc(t.val)) throw this.err(t.pos, `function ${JSON.stringify(t.val)} not defined`)
        return { t: 'ident', name: t.val, pos: t.pos, src: t.val }
      case 'lparen': {
        const pipe = this.parsePipe(toks, 'parenthesized pipeline', 'rparen')
        this.i++ // the ')'
        return { t: 'pipe', pipe, pos: t.pos, src: '(' + this.text.slice(t.pos + 1, toks[this.i - 1]!.pos) + ')' }
      }
      default:
        throw this.err(t.pos, `unexpected ${JSON.stringify(t.val)} in ${context}`)
    }
  }

  private checkVar(name: string, pos: number): void {
    if (!this.vars.includes(name)) throw this.err(pos, `undefined variable ${JSON.stringify(name)}`)
  }
}

export function parseTemplate(name: string, text: string): Node[] {
  return new TemplateParser(name, text).parse()
}
