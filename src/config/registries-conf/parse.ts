/**
 * One registries.conf file: TOML → validated, normalized entries (containers/image
 * sysregistriesv2 loadConfigFile + postProcessRegistries), including the deprecated v1 format.
 */
import { SkiffError } from '../../errors.js'
import { parseNormalizedReference } from '../../reference/docker-reference.js'
import { parseToml, TomlError, type TomlTable, type TomlValue } from './toml.js'
import type { Endpoint, PullFromMirror, RegistryEntry, ShortNameAlias, ShortNameMode } from './types.js'

/** What one file says; absent fields do not override earlier files when merging drop-ins. */
export interface ParsedConfFile {
  path: string
  registries: RegistryEntry[]
  unqualifiedSearchRegistries?: string[]
  credentialHelpers?: string[]
  shortNameMode?: ShortNameMode
  aliases: Map<string, ShortNameAlias>
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const ANCHORED_DOMAIN_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
)

function invalid(path: string, msg: string): SkiffError {
  return new SkiffError('ERR_CONFIG_INVALID', `registries configuration "${path}": ${msg}`)
}

function isTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

class Fields {
  constructor(
    private readonly path: string,
    private readonly where: string,
    private readonly t: TomlTable,
  ) {}

  str(k: string): string | undefined {
    const v = this.t[k]
    if (v === undefined) return undefined
    if (typeof v !== 'string') throw invalid(this.path, `${this.where}"${k}" must be a string`)
    return v
  }

  bool(k: string): boolean {
    const v = this.t[k]
    if (v === undefined) return false
    if (typeof v !== 'boolean') throw invalid(this.path, `${this.where}"${k}" must be true or false`)
    return v
  }

  strings(k: string): string[] | undefined {
    const v = this.t[k]
    if (v === undefined) return undefined
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw invalid(this.path, `${this.where}"${k}" must be an array of strings`)
    return v as string[]
  }

  tables(k: string): TomlTable[] {
    const v = this.t[k]
    if (v === undefined) return []
    if (!Array.isArray(v) || v.some((x) => !isTable(x)))
      throw invalid(this.path, `${this.where}"${k}" must be an array of tables ([[${k}]])`)
    return v as TomlTable[]
  }
}

/** Trims trailing slashes; rejects URL schemes (parseLocation). */
function parseLocation(path: string, input: string): string {
  const trimmed = input.replace(/\/+$/, '')
  if (trimmed.startsWith('http://') || trimmed.startsWith('https://')) {
    throw invalid(path, `invalid location '${input}': URI schemes are not supported`)
  }
  return trimmed
}

function parseMirror(path: string, t: TomlTable, reg: { prefix: string; mirrorByDigestOnly: boolean }): Endpoint {
  const f = new Fields(path, '[[registry.mirror]] ', t)
  const location = parseLocation(path, f.str('location') ?? '')
  if (location === '') throw invalid(path, 'invalid condition: mirror location is unset')
  const e: Endpoint = { location, insecure: f.bool('insecure') }
  const pfm = f.str('pull-from-mirror')
  if (pfm !== undefined && pfm !== '') {
    if (reg.mirrorByDigestOnly) {
      throw invalid(
        path,
        `cannot set mirror usage mirror-by-digest-only for the registry ("${reg.prefix}") and pull-from-mirror for per-mirror ("${location}") at the same time`,
      )
    }
    if (pfm !== 'all' && pfm !== 'digest-only' && pfm !== 'tag-only')
      throw invalid(path, `unsupported pull-from-mirror value "${pfm}" for mirror "${location}"`)
    e.pullFromMirror = pfm as PullFromMirror
  }
  return e
}

function parseRegistry(path: string, t: TomlTable): RegistryEntry {
  const f = new Fields(path, '[[registry]] ', t)
  const location = parseLocation(path, f.str('location') ?? '')
  let prefix = f.str('prefix') ?? ''
  if (prefix === '') {
    if (location === '') throw invalid(path, 'invalid condition: both location and prefix are unset')
    prefix = location
  } else {
    prefix = parseLocation(path, prefix)
    if (!prefix.startsWith('*.') && location === '') {
      throw invalid(path, 'invalid condition: location is unset and prefix is not in the format: *.example.com')
    }
  }
  if (prefix.startsWith('*.') && /[/@:]/.test(prefix)) {
    throw invalid(
      path,
      `Wildcarded prefix should be in the format: *.example.com. Current prefix "${prefix}" is incorrectly formatted`,
    )
  }
  if ((f.str('pull-from-mirror') ?? '') !== '')
    throw invalid(path, `pull-from-mirror must not be set for a non-mirror registry "${prefix}"`)
  const mirrorByDigestOnly = f.bool('mirror-by-digest-only')
  const mirrors = f.tables('mirror').map((m) => parseMirror(path, m, { prefix, mirrorByDigestOnly }))
  return { prefix, location, insecure: f.bool('insecure'), blocked: f.bool('blocked'), mirrorByDigestOnly, mirrors }
}

/** Same location listed with different insecure/blocked is an error; the first of equal prefixes wins; sorted by prefix. */
function postProcess(path: string, regs: RegistryEntry[]): RegistryEntry[] {
  const byLocation = new Map<string, RegistryEntry>()
  for (const r of regs) {
    const id = r.location === '' ? r.prefix : r.location
    const other = byLocation.get(id)
    if (other === undefined) byLocation.set(id, r)
    else {
      if (other.insecure !== r.insecure)
        throw invalid(path, `registry '${r.location}' is defined multiple times with conflicting 'insecure' setting`)
      if (other.blocked !== r.blocked)
        throw invalid(path, `registry '${r.location}' is defined multiple times with conflicting 'blocked' setting`)
    }
  }
  const unique = new Map<string, RegistryEntry>()
  for (const r of regs) if (!unique.has(r.prefix)) unique.set(r.prefix, r)
  return [...unique.keys()].sort().map((p) => unique.get(p)!)
}

function validateShortName(name: string): void {
  let ref
  try {
    ref = parseNormalizedReference(name)
  } catch (e) {
    throw new Error(`cannot parse short name: "${name}": ${(e as Error).message}`, { cause: e })
  }
  if (ref.digest !== undefined) throw new Error(`invalid short name "${name}": must not contain digest`)
  if (ref.tag !== undefined) throw new Error(`invalid short name "${name}": must not contain tag`)
  const slash = name.indexOf('/')
  const first = slash === -1 ? '' : name.slice(0, slash)
  if (/[.:]/.test(first) || first === 'localhost')
    throw new Error(`invalid short name "${name}": must not contain registry`)
}

/** An alias value: registry/repo, no tag or digest; returned normalized (docker.io/alpine → docker.io/library/alpine). */
export function parseShortNameValue(value: string): string {
  let ref
  try {
    ref = parseNormalizedReference(value)
  } catch (e) {
    throw new Error(`error parsing alias "${value}": ${(e as Error).message}`, { cause: e })
  }
  if (ref.digest !== undefined) throw new Error(`invalid alias "${value}": must not contain digest`)
  if (ref.tag !== undefined) throw new Error(`invalid alias "${value}": must not contain tag`)
  const slash = value.indexOf('/')
  const first = slash === -1 ? '' : value.slice(0, slash)
  if (!(/[.:]/.test(first) || first === 'localhost'))
    throw new Error(`invalid alias "${value}": must contain registry and repository`)
  return ref.name
}

function parseAliases(path: string, t: TomlValue | undefined): Map<string, ShortNameAlias> {
  const out = new Map<string, ShortNameAlias>()
  if (t === undefined) return out
  if (!isTable(t)) throw invalid(path, '[aliases] must be a table of "name" = "value"')
  const errors: string[] = []
  for (const [name, value] of Object.entries(t)) {
    if (typeof value !== 'string') {
      errors.push(`alias "${name}" must be a string`)
      continue
    }
    try {
      validateShortName(name)
      out.set(name, { value: value === '' ? undefined : parseShortNameValue(value), origin: path })
    } catch (e) {
      errors.push((e as Error).message)
    }
  }
  if (errors.length > 0) throw invalid(path, `validating short-name aliases: ${errors.join('; ')}`)
  return out
}

function v1Registries(
  path: string,
  root: TomlTable,
): { set: boolean; search?: string[]; insecure?: string[]; block?: string[] } {
  const r = root.registries
  if (r === undefined) return { set: false }
  if (!isTable(r))
    throw invalid(path, '"registries" must be a table (v1 format: [registries.search] registries = [...])')
  const get = (k: string): string[] | undefined => {
    const t = r[k]
    if (t === undefined) return undefined
    if (!isTable(t)) throw invalid(path, `[registries.${k}] must be a table`)
    return new Fields(path, `[registries.${k}] `, t).strings('registries')
  }
  const search = get('search')
  const insecure = get('insecure')
  const block = get('block')
  const out: { set: boolean; search?: string[]; insecure?: string[]; block?: string[] } = {
    set: search !== undefined || insecure !== undefined || block !== undefined,
  }
  if (search) out.search = search
  if (insecure) out.insecure = insecure
  if (block) out.block = block
  return out
}

/** V1 → V2 (ConvertToV2): one [[registry]] per location, blocked/insecure flags; search list as is. */
function convertV1(
  path: string,
  v1: { search?: string[]; insecure?: string[]; block?: string[] },
): { registries: RegistryEntry[]; search?: string[] } {
  const regs = new Map<string, RegistryEntry>()
  const get = (loc: string): RegistryEntry => {
    const location = parseLocation(path, loc)
    let r = regs.get(location)
    if (!r) {
      r = { prefix: location, location, insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: [] }
      regs.set(location, r)
    }
    return r
  }
  for (const b of v1.block ?? []) get(b).blocked = true
  for (const i of v1.insecure ?? []) get(i).insecure = true
  const out: { registries: RegistryEntry[]; search?: string[] } = { registries: [...regs.values()] }
  if (v1.search) out.search = v1.search
  return out
}

const V2_KEYS = [
  'registry',
  'unqualified-search-registries',
  'credential-helpers',
  'short-name-mode',
  'additional-layer-store-auth-helper',
  'aliases',
]

/** Parses one file's text. Drop-ins (`forceV2`) must use the v2 format. */
export function parseRegistriesConfText(text: string, path: string, opts: { forceV2?: boolean } = {}): ParsedConfFile {
  let root: TomlTable
  try {
    root = parseToml(text)
  } catch (e) {
    if (e instanceof TomlError) throw invalid(path, `not valid TOML: ${e.message}`)
    throw e
  }
  const f = new Fields(path, '', root)
  const v1 = v1Registries(path, root)
  let registries: RegistryEntry[]
  let search = f.strings('unqualified-search-registries')
  if (v1.set) {
    if (opts.forceV2) throw invalid(path, 'registry must be in v2 format but is in v1')
    if (V2_KEYS.some((k) => root[k] !== undefined)) throw invalid(path, 'mixing sysregistry v1/v2 is not supported')
    const conv = convertV1(path, v1)
    registries = conv.registries
    search = conv.search
  } else {
    registries = f.tables('registry').map((t) => parseRegistry(path, t))
  }
  const out: ParsedConfFile = {
    path,
    registries: postProcess(path, registries),
    aliases: parseAliases(path, root.aliases),
  }
  if (search !== undefined) {
    out.unqualifiedSearchRegistries = search.map((s) => {
      const r = parseLocation(path, s)
      if (!ANCHORED_DOMAIN_RE.test(r)) throw invalid(path, `Invalid unqualified-search-registries entry "${r}"`)
      return r
    })
  }
  const helpers = f.strings('credential-helpers')
  if (helpers !== undefined) out.credentialHelpers = helpers
  const mode = f.str('short-name-mode')
  if (mode !== undefined && mode !== '') {
    if (mode !== 'enforcing' && mode !== 'permissive' && mode !== 'disabled')
      throw invalid(path, `invalid short-name mode: "${mode}" (use enforcing, permissive or disabled)`)
    out.shortNameMode = mode
  }
  return out
}
