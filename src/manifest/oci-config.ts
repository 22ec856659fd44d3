/**
 * Docker schema2 config → OCI image config, as containers/image converts it (unmarshal into the
 * OCI Image struct and marshal again): Docker-only fields are dropped, fields come in the struct's
 * order, maps are sorted and timestamps re-formatted as Go's RFC3339Nano. Matching this exactly is
 * what makes a converted image's config (and manifest) digest equal to skopeo's.
 */
import { SkiffError } from '../errors.js'
import { goMarshal } from '../go/json.js'
import { goMap } from '../go/values.js'

type Obj = Record<string, unknown>

/** Go's time.Time JSON round trip: RFC3339Nano, trailing fractional zeros trimmed, +00:00 → Z. */
export function goTime(s: string): string {
  // case-sensitive, as Go's time.Parse(RFC3339): a lower-case "t" or "z" is refused
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(s)
  if (!m) throw new SkiffError('ERR_MANIFEST_INVALID', `invalid timestamp "${s}" in image config`)
  const frac = (m[2] ?? '').slice(0, 9).replace(/0+$/, '')
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3]!
  return `${m[1]}${frac ? `.${frac}` : ''}${zone}`
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const strs = (v: unknown): string[] | undefined => (Array.isArray(v) && v.length ? v.map(String) : undefined)
const set = (v: unknown): Map<string, object> | undefined => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined
  const keys = Object.keys(v)
  if (!keys.length) return undefined
  return goMap(Object.fromEntries(keys.map((k) => [k, {}])))
}

function put(o: Obj, k: string, v: unknown): void {
  if (v !== undefined) o[k] = v
}

function imageConfig(c: Obj | undefined): Obj {
  const o: Obj = {}
  if (!c || typeof c !== 'object') return o
  put(o, 'User', str(c.User))
  put(o, 'ExposedPorts', set(c.ExposedPorts))
  put(o, 'Env', strs(c.Env))
  put(o, 'Entrypoint', strs(c.Entrypoint))
  put(o, 'Cmd', strs(c.Cmd))
  put(o, 'Volumes', set(c.Volumes))
  put(o, 'WorkingDir', str(c.WorkingDir))
  if (c.Labels && typeof c.Labels === 'object' && Object.keys(c.Labels).length)
    o.Labels = goMap(c.Labels as Record<string, string>)
  put(o, 'StopSignal', str(c.StopSignal))
  if (c.ArgsEscaped === true) o.ArgsEscaped = true
  return o
}

function history(h: unknown): Obj {
  const e = (h ?? {}) as Obj
  const o: Obj = {}
  if (typeof e.created === 'string') o.created = goTime(e.created)
  put(o, 'created_by', str(e.created_by))
  put(o, 'author', str(e.author))
  put(o, 'comment', str(e.comment))
  if (e.empty_layer === true) o.empty_layer = true
  return o
}

export function dockerConfigToOci(bytes: Uint8Array): Buffer {
  let c: Obj
  try {
    c = JSON.parse(Buffer.from(bytes).toString('utf8')) as Obj
  } catch {
    throw new SkiffError('ERR_MANIFEST_INVALID', 'image config is not JSON')
  }
  const o: Obj = {}
  if (typeof c.created === 'string') o.created = goTime(c.created)
  put(o, 'author', str(c.author))
  o.architecture = typeof c.architecture === 'string' ? c.architecture : ''
  put(o, 'variant', str(c.variant))
  o.os = typeof c.os === 'string' ? c.os : ''
  put(o, 'os.version', str(c['os.version']))
  put(o, 'os.features', strs(c['os.features']))
  o.config = imageConfig(c.config as Obj | undefined)
  const rootfs = (c.rootfs ?? {}) as Obj
  o.rootfs = {
    type: typeof rootfs.type === 'string' ? rootfs.type : '',
    diff_ids: Array.isArray(rootfs.diff_ids) ? rootfs.diff_ids : null,
  }
  if (Array.isArray(c.history) && c.history.length) o.history = c.history.map(history)
  return Buffer.from(goMarshal(o))
}
