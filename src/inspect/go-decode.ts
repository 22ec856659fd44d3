/**
 * json.Unmarshal into Go structs, for the few types inspect reads (OCI image config, Docker
 * schema2/schema1 config fields): unknown keys are dropped, keys match field names exactly or
 * case-insensitively as Go does, null leaves the zero value, wrong types are errors. The result is
 * in the go/values.ts model, so it prints and marshals as skopeo does.
 */
import { SkiffError } from '../errors.js'
import { GoNil, GoTime, NIL_MAP, NIL_PTR, NIL_SLICE, goMap, goStruct } from '../go/values.js'

export type Spec =
  | { k: 'string' | 'bool' | 'int' | 'time' | 'emptyStruct' }
  | { k: 'slice' | 'map' | 'ptr'; of: Spec }
  | { k: 'struct'; name: string; fields: Field[] }

export interface Field {
  /** Go field name (the key templates use). */
  name: string
  /** JSON key. */
  json: string
  spec: Spec
  omitempty?: boolean
}

const S = (k: 'string' | 'bool' | 'int' | 'time' | 'emptyStruct'): Spec => ({ k })
export const str = S('string')
export const bool = S('bool')
export const int = S('int')
export const time = S('time')
export const emptyStruct = S('emptyStruct')
export const slice = (of: Spec): Spec => ({ k: 'slice', of })
export const map = (of: Spec): Spec => ({ k: 'map', of })
export const ptr = (of: Spec): Spec => ({ k: 'ptr', of })
export const struct = (name: string, fields: Field[]): Spec => ({ k: 'struct', name, fields })
export const f = (name: string, json: string, spec: Spec, omitempty = false): Field => ({ name, json, spec, omitempty })

function goTypeOf(spec: Spec): string {
  switch (spec.k) {
    case 'string':
      return 'string'
    case 'bool':
      return 'bool'
    case 'int':
      return 'int64'
    case 'time':
      return 'time.Time'
    case 'emptyStruct':
      return 'struct {}'
    case 'slice':
      return `[]${goTypeOf(spec.of)}`
    case 'map':
      return `map[string]${goTypeOf(spec.of)}`
    case 'ptr':
      return `*${goTypeOf(spec.of)}`
    case 'struct':
      return spec.name
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array'
  if (v === null) return 'null'
  return typeof v === 'object' ? 'object' : typeof v
}

/** The zero value of a type, in the go/values.ts model. */
export function zeroOf(spec: Spec): unknown {
  switch (spec.k) {
    case 'string':
      return ''
    case 'bool':
      return false
    case 'int':
      return 0
    case 'time':
      return GoTime.zero()
    case 'emptyStruct':
      return goStruct({}, {})
    case 'slice':
      return NIL_SLICE
    case 'map':
      return NIL_MAP
    case 'ptr':
      return NIL_PTR
    case 'struct':
      return decodeStruct(spec, {}, '')
  }
}

class DecodeError extends Error {}

function mismatch(v: unknown, spec: Spec, where: string): DecodeError {
  return new DecodeError(
    `json: cannot unmarshal ${jsonKind(v) === 'boolean' ? 'bool' : jsonKind(v)} into Go ${where ? `struct field ${where}` : 'value'} of type ${goTypeOf(spec)}`,
  )
}

function decodeValue(spec: Spec, v: unknown, where: string): unknown {
  if (v === null) return zeroOf(spec) // null leaves the zero value
  switch (spec.k) {
    case 'string':
      if (typeof v !== 'string') throw mismatch(v, spec, where)
      return v
    case 'bool':
      if (typeof v !== 'boolean') throw mismatch(v, spec, where)
      return v
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(v, spec, where)
      return v
    case 'time': {
      if (typeof v !== 'string') throw mismatch(v, spec, where)
      const t = GoTime.parse(v)
      if (!t)
        throw new DecodeError(
          `parsing time ${JSON.stringify(JSON.stringify(v))} as "\\"2006-01-02T15:04:05Z07:00\\"": not RFC 3339`,
        )
      return t
    }
    case 'emptyStruct':
      if (jsonKind(v) !== 'object') throw mismatch(v, spec, where)
      return goStruct({}, {})
    case 'slice':
      if (!Array.isArray(v)) throw mismatch(v, spec, where)
      return v.map((x) => decodeValue(spec.of, x, where))
    case 'map': {
      if (jsonKind(v) !== 'object') throw mismatch(v, spec, where)
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = decodeValue(spec.of, x, where)
      return goMap(out)
    }
    case 'ptr':
      return decodeValue(spec.of, v, where)
    case 'struct':
      if (jsonKind(v) !== 'object') throw mismatch(v, spec, where)
      return decodeStruct(spec, v as Record<string, unknown>, where)
  }
}

function decodeStruct(
  spec: Extract<Spec, { k: 'struct' }>,
  obj: Record<string, unknown>,
  where: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const fl of spec.fields) out[fl.name] = zeroOf(fl.spec)
  for (const [key, value] of Object.entries(obj)) {
    const fl =
      spec.fields.find((x) => x.json === key) ?? spec.fields.find((x) => x.json.toLowerCase() === key.toLowerCase())
    if (!fl) continue
    out[fl.name] = decodeValue(fl.spec, value, `${spec.name}.${where ? where + '.' : ''}${fl.json}`)
  }
  const jsonNames: Record<string, string> = {}
  for (const fl of spec.fields) if (fl.json !== fl.name) jsonNames[fl.name] = fl.json
  return goStruct(out, {
    typeName: spec.name,
    jsonNames,
    omitEmpty: new Set(spec.fields.filter((x) => x.omitempty).map((x) => x.name)),
  })
}

/** Parses JSON bytes and decodes them into `spec`; errors name `what` (e.g. the image). */
export function goUnmarshal(bytes: Uint8Array, spec: Spec, what: string): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (e) {
    throw new SkiffError('ERR_MANIFEST_INVALID', `${what}: invalid JSON: ${(e as Error).message}`)
  }
  try {
    const out = decodeValue(spec, v, '')
    return out instanceof GoNil ? (zeroOf(spec) as Record<string, unknown>) : (out as Record<string, unknown>)
  } catch (e) {
    if (e instanceof DecodeError) throw new SkiffError('ERR_MANIFEST_INVALID', `${what}: ${e.message}`)
    throw e
  }
}
