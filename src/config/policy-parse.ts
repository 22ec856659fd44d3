/**
 * policy.json parsing, as strict as containers/image's policy_config.go: unknown or duplicated
 * keys, a missing default, empty requirement lists, unknown requirement or identity types, bad key
 * sources and scopes a known transport rejects all fail the whole file.
 */
import { parseNormalizedReference } from '../reference/docker-reference.js'
import type {
  Policy,
  PolicyRequirement,
  PolicyScopeValidator,
  SignedIdentity,
  SigstoreFulcio,
  SigstorePKI,
} from './policy-types.js'
import {
  PolicyFormatError,
  asBase64,
  asString,
  asStringArray,
  exactFields,
  jsonKind,
  paranoidObject,
  parseStrictJson,
  type JsonValue,
} from './policy-json.js'

const KEY_TYPES = ['GPGKeys', 'signedByGPGKeys', 'X509Certificates', 'signedByX509CAs'] as const

function typeOf(v: JsonValue): string {
  // newPolicyRequirementFromJSON reads "type" leniently first, then parses strictly by type; Go
  // unmarshals null into that struct without error, so null has type "" (refused as unknown)
  if (v === null) return ''
  const entries = paranoidObject(v, () => true)
  const t = entries.find(([k]) => k === 'type')?.[1]
  if (t === undefined || t === null) return ''
  if (typeof t !== 'string')
    throw new PolicyFormatError(`json: cannot unmarshal ${jsonKind(t)} into Go struct field of type string ("type")`)
  return t
}

function parseNamed(s: string, field: string): ReturnType<typeof parseNormalizedReference> {
  try {
    return parseNormalizedReference(s)
  } catch (e) {
    throw new PolicyFormatError(`Invalid format of ${field} ${JSON.stringify(s)}: ${(e as Error).message}`)
  }
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?`
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*'
const REMAP_DOMAIN_RE = new RegExp(`^${DOMAIN}$`)
const REMAP_DOMAIN_PREFIX_RE = new RegExp(`^${DOMAIN}/`)
const REMAP_NAME_RE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`)

function validateRemapPrefix(s: string): void {
  if (REMAP_DOMAIN_RE.test(s) || (REMAP_NAME_RE.test(s) && REMAP_DOMAIN_PREFIX_RE.test(s))) return
  throw new PolicyFormatError(`prefix ${JSON.stringify(s)} is not valid`)
}

export function parseSignedIdentity(v: JsonValue): SignedIdentity {
  const type = typeOf(v)
  switch (type) {
    case 'matchExact':
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      exactFields(v, ['type'])
      return { type }
    case 'exactReference': {
      const f = exactFields(v, ['type', 'dockerReference'])
      const ref = asString(f.get('dockerReference')!, 'dockerReference')
      if (parseNamed(ref, 'dockerReference').isNameOnly())
        throw new PolicyFormatError(`dockerReference ${ref} contains neither a tag nor digest`)
      return { type, dockerReference: ref }
    }
    case 'exactRepository': {
      const f = exactFields(v, ['type', 'dockerRepository'])
      const repo = asString(f.get('dockerRepository')!, 'dockerRepository')
      parseNamed(repo, 'dockerRepository')
      return { type, dockerRepository: repo }
    }
    case 'remapIdentity': {
      const f = exactFields(v, ['type', 'prefix', 'signedPrefix'])
      const prefix = asString(f.get('prefix')!, 'prefix')
      const signedPrefix = asString(f.get('signedPrefix')!, 'signedPrefix')
      validateRemapPrefix(prefix)
      validateRemapPrefix(signedPrefix)
      return { type, prefix, signedPrefix }
    }
    default:
      throw new PolicyFormatError(`Unknown policy reference match type ${JSON.stringify(type)}`)
  }
}

function fields(v: JsonValue, known: string[]): Map<string, JsonValue> {
  return new Map(paranoidObject(v, (k) => known.includes(k)))
}

function parseSignedBy(v: JsonValue): PolicyRequirement {
  const f = fields(v, ['type', 'keyType', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity'])
  const keyType = f.has('keyType') ? asString(f.get('keyType')!, 'keyType') : ''
  if (f.has('keyType') && !(KEY_TYPES as readonly string[]).includes(keyType))
    throw new PolicyFormatError(`Unrecognized keyType value ${JSON.stringify(keyType)}`)
  const signedIdentity: SignedIdentity = f.has('signedIdentity')
    ? parseSignedIdentity(f.get('signedIdentity')!)
    : { type: 'matchRepoDigestOrExact' }
  const sources = ['keyPath', 'keyPaths', 'keyData'].filter((k) => f.has(k))
  if (sources.length === 0)
    throw new PolicyFormatError('Exactly one of keyPath, keyPaths and keyData must be specified, none of them present')
  if (sources.length > 1)
    throw new PolicyFormatError('Exactly one of keyPath, keyPaths and keyData must be specified, more than one present')
  if (!(KEY_TYPES as readonly string[]).includes(keyType))
    throw new PolicyFormatError(`invalid keyType ${JSON.stringify(keyType)}`)
  const req: Extract<PolicyRequirement, { type: 'signedBy' }> = {
    type: 'signedBy',
    keyType: keyType as (typeof KEY_TYPES)[number],
    signedIdentity,
  }
  if (f.has('keyPath')) {
    req.keyPath = asString(f.get('keyPath')!, 'keyPath')
    if (req.keyPath === '')
      throw new PolicyFormatError('exactly one of keyPath, keyPaths and keyData must be specified')
  }
  if (f.has('keyPaths')) {
    if (f.get('keyPaths') === null)
      throw new PolicyFormatError('exactly one of keyPath, keyPaths and keyData must be specified')
    req.keyPaths = asStringArray(f.get('keyPaths')!, 'keyPaths')
  }
  if (f.has('keyData')) {
    if (f.get('keyData') === null)
      throw new PolicyFormatError('exactly one of keyPath, keyPaths and keyData must be specified')
    req.keyData = asBase64(f.get('keyData')!, 'keyData')
  }
  return req
}

function parseFulcio(v: JsonValue): SigstoreFulcio {
  const f = fields(v, ['caPath', 'caData', 'oidcIssuer', 'subjectEmail'])
  const caPath = f.has('caPath') ? asString(f.get('caPath')!, 'caPath') : ''
  const caData = f.has('caData') ? asBase64(f.get('caData')!, 'caData') : undefined
  if (caPath && caData !== undefined) throw new PolicyFormatError('caPath and caData cannot be used simultaneously')
  if (!caPath && caData === undefined)
    throw new PolicyFormatError('At least one of caPath and caData must be specified')
  const oidcIssuer = f.has('oidcIssuer') ? asString(f.get('oidcIssuer')!, 'oidcIssuer') : ''
  if (!oidcIssuer) throw new PolicyFormatError('oidcIssuer not specified')
  const subjectEmail = f.has('subjectEmail') ? asString(f.get('subjectEmail')!, 'subjectEmail') : ''
  if (!subjectEmail) throw new PolicyFormatError('subjectEmail not specified')
  return { ...(caPath ? { caPath } : {}), ...(caData !== undefined ? { caData } : {}), oidcIssuer, subjectEmail }
}

function parsePKI(v: JsonValue): SigstorePKI {
  const keys = [
    'caRootsPath',
    'caRootsData',
    'caIntermediatesPath',
    'caIntermediatesData',
    'subjectEmail',
    'subjectHostname',
  ] as const
  const f = fields(v, [...keys])
  const out: SigstorePKI = {}
  for (const k of keys) if (f.has(k)) out[k] = k.endsWith('Data') ? asBase64(f.get(k)!, k) : asString(f.get(k)!, k)
  if (out.caRootsPath && out.caRootsData !== undefined)
    throw new PolicyFormatError('caRootsPath and caRootsData cannot be used simultaneously')
  if (!out.caRootsPath && out.caRootsData === undefined)
    throw new PolicyFormatError('At least one of caRootsPath and caRootsData must be specified')
  if (out.caIntermediatesPath && out.caIntermediatesData !== undefined)
    throw new PolicyFormatError('caIntermediatesPath and caIntermediatesData cannot be used simultaneously')
  if (!out.subjectEmail && !out.subjectHostname)
    throw new PolicyFormatError('At least one of subjectEmail, subjectHostname must be specified')
  return out
}

function parseSigstoreSigned(v: JsonValue): PolicyRequirement {
  const known = [
    'type',
    'keyPath',
    'keyPaths',
    'keyData',
    'keyDatas',
    'fulcio',
    'pki',
    'rekorPublicKeyPath',
    'rekorPublicKeyPaths',
    'rekorPublicKeyData',
    'rekorPublicKeyDatas',
    'signedIdentity',
  ]
  const f = fields(v, known)
  const signedIdentity: SignedIdentity = f.has('signedIdentity')
    ? parseSignedIdentity(f.get('signedIdentity')!)
    : { type: 'matchRepoDigestOrExact' }
  const req: Extract<PolicyRequirement, { type: 'sigstoreSigned' }> = { type: 'sigstoreSigned', signedIdentity }
  if (f.has('keyPath')) req.keyPath = asString(f.get('keyPath')!, 'keyPath')
  if (f.has('keyPaths')) req.keyPaths = asStringArray(f.get('keyPaths')!, 'keyPaths')
  if (f.has('keyData')) req.keyData = asBase64(f.get('keyData')!, 'keyData')
  if (f.has('keyDatas'))
    req.keyDatas = asStringArray(f.get('keyDatas')!, 'keyDatas').map((s) => asBase64(s, 'keyDatas'))
  if (f.has('fulcio')) req.fulcio = parseFulcio(f.get('fulcio')!)
  if (f.has('pki')) req.pki = parsePKI(f.get('pki')!)
  if (f.has('rekorPublicKeyPath')) req.rekorPublicKeyPath = asString(f.get('rekorPublicKeyPath')!, 'rekorPublicKeyPath')
  if (f.has('rekorPublicKeyPaths'))
    req.rekorPublicKeyPaths = asStringArray(f.get('rekorPublicKeyPaths')!, 'rekorPublicKeyPaths')
  if (f.has('rekorPublicKeyData')) req.rekorPublicKeyData = asBase64(f.get('rekorPublicKeyData')!, 'rekorPublicKeyData')
  if (f.has('rekorPublicKeyDatas'))
    req.rekorPublicKeyDatas = asStringArray(f.get('rekorPublicKeyDatas')!, 'rekorPublicKeyDatas').map((s) =>
      asBase64(s, 'rekorPublicKeyDatas'),
    )
  for (const k of ['keyPaths', 'keyDatas', 'rekorPublicKeyPaths', 'rekorPublicKeyDatas'] as const) {
    if (req[k] !== undefined && req[k]!.length === 0)
      throw new PolicyFormatError(`${JSON.stringify(k)} contains no entries`)
  }
  const keySources = [req.keyPath, req.keyPaths, req.keyData, req.keyDatas, req.fulcio, req.pki].filter(
    (x) => x !== undefined && x !== '',
  ).length
  if (keySources !== 1)
    throw new PolicyFormatError(
      'exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified',
    )
  const rekorSources = [
    req.rekorPublicKeyPath,
    req.rekorPublicKeyPaths,
    req.rekorPublicKeyData,
    req.rekorPublicKeyDatas,
  ].filter((x) => x !== undefined && x !== '').length
  if (rekorSources > 1)
    throw new PolicyFormatError(
      'at most one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas can be used simultaneously',
    )
  if (req.fulcio && rekorSources === 0)
    throw new PolicyFormatError(
      'At least one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas must be specified if fulcio is used',
    )
  return req
}

export function parseRequirement(v: JsonValue): PolicyRequirement {
  const type = typeOf(v)
  switch (type) {
    case 'insecureAcceptAnything':
    case 'reject':
      exactFields(v, ['type'])
      return { type }
    case 'signedBy':
      return parseSignedBy(v)
    case 'sigstoreSigned':
      return parseSigstoreSigned(v)
    case 'signedBaseLayer': {
      const f = exactFields(v, ['type', 'baseLayerIdentity'])
      return { type, baseLayerIdentity: parseSignedIdentity(f.get('baseLayerIdentity')!) }
    }
    default:
      throw new PolicyFormatError(`Unknown policy requirement type ${JSON.stringify(type)}`)
  }
}

function parseRequirements(v: JsonValue): PolicyRequirement[] {
  if (v !== null && !Array.isArray(v))
    throw new PolicyFormatError(`json: cannot unmarshal ${jsonKind(v)} into Go value of type []json.RawMessage`)
  if (v === null || v.length === 0)
    throw new PolicyFormatError('List of verification policy requirements must not be empty')
  return v.map(parseRequirement)
}

/**
 * Parses policy.json text. `lookupTransport` gives the transports whose scopes are validated; scopes
 * of transports it does not know are accepted as they are (as containers/image does).
 * Throws PolicyFormatError (the caller adds the file name).
 */
export function parsePolicy(text: string, lookupTransport: (name: string) => PolicyScopeValidator | undefined): Policy {
  const root = parseStrictJson(text)
  let def: PolicyRequirement[] | undefined
  const transports = new Map<string, Map<string, PolicyRequirement[]>>()
  for (const [k, v] of paranoidObject(root, (key) => key === 'default' || key === 'transports')) {
    if (k === 'default') def = parseRequirements(v)
    else {
      // policyTransportsMap and policyTransportScopes unmarshal null through
      // paranoidUnmarshalJSONObject too, which refuses it ("JSON object expected")
      for (const [name, scopesJson] of paranoidObject(v, () => true)) {
        const transport = lookupTransport(name)
        const scopes = new Map<string, PolicyRequirement[]>()
        {
          let reason = ''
          const valid = (scope: string): boolean => {
            if (scope === '' || !transport) return true
            try {
              transport.validatePolicyScope(scope)
              return true
            } catch (e) {
              reason = (e as Error).message
              return false
            }
          }
          let entries: Array<[string, JsonValue]>
          try {
            entries = paranoidObject(scopesJson, valid)
          } catch (e) {
            // containers/image says only `Unknown key "SCOPE"`; say why as well.
            if (reason && e instanceof PolicyFormatError && e.message.startsWith('Unknown key')) {
              throw new PolicyFormatError(`${e.message} (${reason})`)
            }
            throw e
          }
          for (const [scope, reqs] of entries) scopes.set(scope, parseRequirements(reqs))
        }
        transports.set(name, scopes)
      }
    }
  }
  if (!def) throw new PolicyFormatError('Default policy is missing')
  return { default: def, transports }
}
