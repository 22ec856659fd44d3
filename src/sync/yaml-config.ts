/**
 * The `--src yaml` file (man skopeo-sync): registry names as keys, each with `images`
 * (repository → tags/digests; empty = every tag), `images-by-tag-regex`, `images-by-semver`,
 * `credentials`, `tls-verify`, `cert-dir`. Read with the YAML failsafe schema, so `1.0` stays the
 * tag "1.0" (as Go's yaml.v3 decodes it into a string); unknown keys are ignored, as skopeo does.
 */
import { parseDocument } from 'yaml'
import { SkiffError } from '../errors.js'

export interface RegistrySyncConfig {
  registry: string
  /** Repository → refs (tags or digests); an empty list means every tag. */
  images: { repo: string; refs: string[] }[]
  tagRegex: { repo: string; pattern: string }[]
  semver: { repo: string; constraint: string }[]
  credentials?: { username: string; password: string }
  tlsVerify?: boolean
  certDir?: string
}

type Plain = string | null | Plain[] | { [k: string]: Plain }

function fail(file: string, msg: string): SkiffError {
  return new SkiffError('ERR_CONFIG_INVALID', `Failed to unmarshal "${file}": ${msg}`)
}

function isMap(v: Plain | undefined): v is { [k: string]: Plain } {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v)
}

/** A map field, or undefined when absent or null. */
function mapField(v: Plain | undefined, file: string, where: string): { [k: string]: Plain } | undefined {
  if (v === undefined || v === null || v === '') return undefined
  if (!isMap(v)) throw fail(file, `${where} must be a mapping`)
  return v
}

function stringField(v: Plain | undefined, file: string, where: string): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw fail(file, `${where} must be a string`)
  return v
}

/** The boolean spellings yaml.v3 accepts for a bool field. */
function boolField(v: Plain | undefined, file: string, where: string): boolean | undefined {
  const s = stringField(v, file, where)
  if (s === undefined) return undefined
  if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON|y|Y)$/.test(s)) return true
  if (/^(false|False|FALSE|no|No|NO|off|Off|OFF|n|N)$/.test(s)) return false
  throw fail(file, `${where}: cannot read "${s}" as a boolean (true or false)`)
}

export function parseSyncYaml(text: string, file: string): RegistrySyncConfig[] {
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: true })
  if (doc.errors.length) throw fail(file, doc.errors[0]!.message.split('\n')[0]!)
  const root = doc.toJS() as Plain
  if (root === null || root === undefined || root === '') return []
  if (!isMap(root)) throw fail(file, 'the top level must be a mapping of registry names')
  const out: RegistrySyncConfig[] = []
  for (const [registry, body] of Object.entries(root)) {
    const cfg: RegistrySyncConfig = { registry, images: [], tagRegex: [], semver: [] }
    const b = mapField(body, file, registry) ?? {}
    for (const [repo, refs] of Object.entries(mapField(b.images, file, `${registry}.images`) ?? {})) {
      if (refs === null || refs === '') cfg.images.push({ repo, refs: [] })
      else if (Array.isArray(refs) && refs.every((r) => typeof r === 'string'))
        cfg.images.push({ repo, refs: refs as string[] })
      else throw fail(file, `${registry}.images.${repo} must be a list of tags or digests ([] for every tag)`)
    }
    for (const [repo, pattern] of Object.entries(
      mapField(b['images-by-tag-regex'], file, `${registry}.images-by-tag-regex`) ?? {},
    )) {
      cfg.tagRegex.push({ repo, pattern: stringField(pattern, file, `${registry}.images-by-tag-regex.${repo}`) ?? '' })
    }
    for (const [repo, c] of Object.entries(
      mapField(b['images-by-semver'], file, `${registry}.images-by-semver`) ?? {},
    )) {
      cfg.semver.push({ repo, constraint: stringField(c, file, `${registry}.images-by-semver.${repo}`) ?? '' })
    }
    const creds = mapField(b.credentials, file, `${registry}.credentials`)
    if (creds) {
      const username = stringField(creds.username, file, `${registry}.credentials.username`) ?? ''
      const password = stringField(creds.password, file, `${registry}.credentials.password`) ?? ''
      if (username !== '' || password !== '') cfg.credentials = { username, password }
    }
    const tls = boolField(b['tls-verify'], file, `${registry}.tls-verify`)
    if (tls !== undefined) cfg.tlsVerify = tls
    const certDir = stringField(b['cert-dir'], file, `${registry}.cert-dir`)
    if (certDir) cfg.certDir = certDir
    out.push(cfg)
  }
  return out
}
