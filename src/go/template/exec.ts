/**
 * Executes a parsed template against data in the go/values.ts model, as Go's text/template does:
 * fields of structs (plain objects; a missing one is an error), keys of maps (a missing one is
 * `<no value>`), variables and scopes, pipelines with the previous value as the last argument,
 * if/with/range (maps in sorted key order) with else, break and continue.
 */
import { SkiffError } from '../../errors.js'
import {
  GoNil,
  GoTime,
  NO_VALUE,
  NoValue,
  goCompareStrings,
  goTypeName,
  isStruct,
  isTrue,
  structMeta,
} from '../values.js'
import { MethodError, methodOf } from '../methods.js'
import { formatValue } from '../print.js'
import { FUNCS, FuncError, LAZY_FUNCS, hasFunc } from './funcs.js'
import { parseTemplate, type Arg, type Cmd, type ControlNode, type Node, type Pipe } from './parse.js'

const MISSING = Symbol('missing')
type Final = unknown | typeof MISSING

class ExecError extends Error {
  constructor(
    readonly pos: number,
    readonly src: string,
    message: string,
  ) {
    super(message)
  }
}

class BreakSignal {}
class ContinueSignal {}

export class TemplateExecutor {
  private out = ''
  private vars: Array<{ name: string; value: unknown }> = []

  constructor(
    private readonly name: string,
    private readonly text: string,
  ) {}

  private location(pos: number): string {
    const before = this.text.slice(0, pos)
    const nl = before.lastIndexOf('\n')
    const line = 1 + (before.match(/\n/g)?.length ?? 0)
    // As Go's ErrorContext reports it: 1-based on the first line, 0-based after a newline.
    const col = nl === -1 ? pos + 1 : pos - (nl + 1)
    return `${this.name}:${line}:${col}`
  }

  execute(nodes: Node[], data: unknown): string {
    this.out = ''
    this.vars = [{ name: '$', value: data }]
    try {
      this.walkList(data, nodes)
    } catch (e) {
      if (e instanceof ExecError) {
        throw new SkiffError(
          'ERR_INVALID_ARGUMENT',
          `template: ${this.location(e.pos)}: executing "${this.name}" at <${e.src}>: ${e.message}`,
        )
      }
      if (e instanceof BreakSignal || e instanceof ContinueSignal) {
        throw new SkiffError(
          'ERR_INVALID_ARGUMENT',
          `template: ${this.name}: {{break}} or {{continue}} outside {{range}}`,
        )
      }
      throw e
    }
    return this.out
  }

  private walkList(dot: unknown, nodes: Node[]): void {
    for (const n of nodes) this.walk(dot, n)
  }

  private walk(dot: unknown, n: Node): void {
    switch (n.t) {
      case 'text':
        this.out += n.text
        return
      case 'action': {
        const v = this.evalPipeline(dot, n.pipe)
        if (n.pipe.decl.length === 0) this.out += this.printable(v)
        return
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length
        const v = this.evalPipeline(dot, n.pipe)
        if (isTrue(v)) this.walkList(n.t === 'with' ? v : dot, n.list)
        else if (n.elseList) this.walkList(dot, n.elseList)
        this.vars.length = mark
        return
      }
      case 'range':
        this.walkRange(dot, n)
        return
      case 'break':
        throw new BreakSignal()
      case 'continue':
        throw new ContinueSignal()
    }
  }

  private walkRange(dot: unknown, n: ControlNode): void {
    const mark = this.vars.length
    const v = this.evalPipeline(dot, n.pipe, true)
    const entries: Array<[unknown, unknown]> = []
    if (Array.isArray(v)) v.forEach((x, i) => entries.push([i, x]))
    else if (v instanceof Map) {
      const keys = [...v.keys()].sort((a, b) =>
        typeof a === 'string' && typeof b === 'string' ? goCompareStrings(a, b) : a < b ? -1 : 1,
      )
      for (const k of keys) entries.push([k, v.get(k)])
    } else if (v === undefined || v === null || v instanceof GoNil || v instanceof NoValue) {
      // nothing to iterate: the else branch
    } else
      throw new ExecError(
        n.pipe.pos,
        n.pipe.cmds.map((c) => c.src).join(' | '),
        `range can't iterate over ${formatValue(v)}`,
      )
    for (const [k, x] of entries) {
      const iterMark = this.vars.length
      if (n.pipe.decl.length === 1) this.vars.push({ name: n.pipe.decl[0]!, value: x })
      else if (n.pipe.decl.length === 2) {
        this.vars.push({ name: n.pipe.decl[0]!, value: k })
        this.vars.push({ name: n.pipe.decl[1]!, value: x })
      }
      try {
        this.walkList(x, n.list)
      } catch (e) {
        if (e instanceof BreakSignal) {
          this.vars.length = iterMark
          break
        }
        if (!(e instanceof ContinueSignal)) throw e
      }
      this.vars.length = iterMark
    }
    if (entries.length === 0 && n.elseList) this.walkList(dot, n.elseList)
    this.vars.length = mark
  }

  private printable(v: unknown): string {
    return formatValue(v)
  }

  private evalPipeline(dot: unknown, pipe: Pipe, isRange = false): unknown {
    let value: Final = MISSING
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value)
    if (!isRange || pipe.decl.length === 0) {
      for (const name of pipe.decl) {
        if (pipe.isAssign) this.setVar(name, value, pipe.pos)
        else this.vars.push({ name, value })
      }
    }
    return value
  }

  private setVar(name: string, value: unknown, pos: number): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value
        return
      }
    }
    throw new ExecError(pos, name, `undefined variable: ${name}`)
  }

  private getVar(name: string, pos: number): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value
    throw new ExecError(pos, name, `undefined variable: ${name}`)
  }

  private evalCommand(dot: unknown, cmd: Cmd, final: Final): unknown {
    const first = cmd.args[0]!
    const rest = cmd.args.slice(1)
    switch (first.t) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.names, rest, final)
      case 'chain': {
        const base = this.evalArg(dot, first.node)
        return this.evalFieldChain(dot, base, first, first.names, rest, final)
      }
      case 'var': {
        const v = this.getVar(first.name, first.pos)
        if (first.names.length === 0) {
          this.notAFunction(first, rest, final)
          return v
        }
        return this.evalFieldChain(dot, v, first, first.names, rest, final)
      }
      case 'ident':
        return this.evalFunction(dot, first, rest, final)
      case 'pipe':
        this.notAFunction(first, rest, final)
        return this.evalPipelineIsolated(dot, first.pipe)
      case 'nil':
        throw new ExecError(first.pos, first.src, 'nil is not a command')
      default:
        this.notAFunction(first, rest, final)
        return this.evalArg(dot, first)
    }
  }

  private evalPipelineIsolated(dot: unknown, pipe: Pipe): unknown {
    const mark = this.vars.length
    const v = this.evalPipeline(dot, pipe)
    this.vars.length = mark
    return v
  }

  private notAFunction(node: Arg, rest: Arg[], final: Final): void {
    if (rest.length > 0 || final !== MISSING)
      throw new ExecError(node.pos, node.src, `can't give argument to non-function ${node.src}`)
  }

  private evalArg(dot: unknown, a: Arg): unknown {
    switch (a.t) {
      case 'dot':
        return dot
      case 'nil':
        return null
      case 'bool':
      case 'number':
      case 'string':
        return a.value
      case 'field':
        return this.evalFieldChain(dot, dot, a, a.names, [], MISSING)
      case 'var': {
        const v = this.getVar(a.name, a.pos)
        return a.names.length ? this.evalFieldChain(dot, v, a, a.names, [], MISSING) : v
      }
      case 'chain':
        return this.evalFieldChain(dot, this.evalArg(dot, a.node), a, a.names, [], MISSING)
      case 'pipe':
        return this.evalPipelineIsolated(dot, a.pipe)
      case 'ident':
        return this.evalFunction(dot, a, [], MISSING)
    }
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: Arg,
    names: string[],
    args: Arg[],
    final: Final,
  ): unknown {
    let v = receiver
    /** The declared Go type of `v` when it came from a typed struct field (digest.Digest). */
    let goType: string | undefined
    for (let i = 0; i < names.length; i++) {
      const last = i === names.length - 1
      const name = names[i]!
      const method = methodOf(v, name, goType)
      if (method) {
        // a method: the last in the chain gets the command's arguments (and a piped value)
        const values = last ? args.map((a) => this.evalArg(dot, a)) : []
        if (last && final !== MISSING) values.push(final)
        try {
          v = method(values)
        } catch (e) {
          if (e instanceof MethodError) throw new ExecError(node.pos, node.src, e.message)
          throw e
        }
        goType = undefined
        continue
      }
      goType = isStruct(v) ? structMeta(v)?.types?.[name] : undefined
      v = this.evalField(v, name, node, last && (args.length > 0 || final !== MISSING))
    }
    return v
  }

  private evalField(receiver: unknown, field: string, node: Arg, hasArgs: boolean): unknown {
    if (receiver instanceof NoValue) return NO_VALUE
    if (receiver === undefined || receiver === null || (receiver instanceof GoNil && receiver.kind === 'ptr')) {
      throw new ExecError(
        node.pos,
        node.src,
        `nil pointer evaluating ${receiver instanceof GoNil ? '*struct' : 'interface {}'}.${field}`,
      )
    }
    if (receiver instanceof Map || (receiver instanceof GoNil && receiver.kind === 'map')) {
      if (hasArgs) throw new ExecError(node.pos, node.src, `${field} is not a method but has arguments`)
      if (receiver instanceof Map && receiver.has(field)) return receiver.get(field)
      return NO_VALUE
    }
    if (isStruct(receiver) && Object.hasOwn(receiver, field)) {
      if (hasArgs) throw new ExecError(node.pos, node.src, `${field} has arguments but cannot be invoked as function`)
      return receiver[field]
    }
    if (receiver instanceof GoTime || isStruct(receiver)) {
      throw new ExecError(node.pos, node.src, `can't evaluate field ${field} in type ${goTypeName(receiver)}`)
    }
    throw new ExecError(node.pos, node.src, `can't evaluate field ${field} in type ${goTypeName(receiver)}`)
  }

  private evalFunction(dot: unknown, node: Extract<Arg, { t: 'ident' }>, args: Arg[], final: Final): unknown {
    const name = node.name
    if (!hasFunc(name)) throw new ExecError(node.pos, node.src, `function "${name}" not defined`)
    if (LAZY_FUNCS.has(name)) {
      const thunks: Array<() => unknown> = args.map((a) => () => this.evalArg(dot, a))
      if (final !== MISSING) thunks.push(() => final)
      if (thunks.length < 1)
        throw new ExecError(node.pos, node.src, `wrong number of args for ${name}: want at least 1 got 0`)
      let v: unknown
      for (const t of thunks) {
        v = t()
        if (name === 'and' ? !isTrue(v) : isTrue(v)) return v
      }
      return v
    }
    const values = args.map((a) => this.evalArg(dot, a))
    if (final !== MISSING) values.push(final)
    try {
      return FUNCS[name]!(values)
    } catch (e) {
      if (e instanceof FuncError) {
        const src = [node.src, ...args.map((a) => a.src)].join(' ')
        throw new ExecError(node.pos, src, e.message)
      }
      throw e
    }
  }
}

/** Renders a Go text/template on data (see go/values.ts for how JS values stand for Go values). */
export function renderTemplate(tpl: string, data: unknown, name = 'template'): string {
  const nodes = parseTemplate(name, tpl)
  return new TemplateExecutor(name, tpl).execute(nodes, data)
}
