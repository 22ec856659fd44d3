/**
 * One auth file (auth.json, Docker's config.json, legacy ~/.dockercfg): read it, and edit it
 * atomically (temp + rename, mode 0600, parent directories 0700) keeping every field this code
 * does not understand.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { isNotFound, SkiffError } from '../../errors.js'
import { writeOutputFile } from '../../util/output.js'

/** One `auths` entry. Unknown fields (email, …) are kept when the file is rewritten. */
export interface AuthEntry {
  /** base64("username:password"). */
  auth?: string
  /** An OAuth2 refresh token (Docker's identity token). */
  identitytoken?: string
  [field: string]: unknown
}

export interface AuthFileContents {
  auths: Record<string, AuthEntry>
  /** registry host → credential helper suffix (docker-credential-<suffix>). */
  credHelpers: Record<string, string>
  /** Docker's default credential helper for every registry (not read by skopeo; skiff reads it). */
  credsStore?: string
  /** The whole document as read; `auths`/`credHelpers` above are the live objects inside it. */
  raw: Record<string, unknown>
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function invalid(path: string, what: string, cause?: unknown): SkiffError {
  return new SkiffError(
    'ERR_CONFIG_INVALID',
    `reading JSON file "${path}": ${what}; fix or remove the file`,
    cause === undefined ? {} : { cause },
  )
}

/** Parses file text; `legacyFormat` files are a bare map of keys to entries. */
export function parseAuthFile(text: string, path: string, legacyFormat = false): AuthFileContents {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw invalid(path, `not valid JSON (${(e as Error).message})`, e)
  }
  if (!isObject(doc)) throw invalid(path, 'expected a JSON object')
  if (legacyFormat) {
    for (const [k, v] of Object.entries(doc)) if (!isObject(v)) throw invalid(path, `entry "${k}" is not an object`)
    return { auths: doc as Record<string, AuthEntry>, credHelpers: {}, raw: doc }
  }
  if (doc.auths === undefined || doc.auths === null) doc.auths = {}
  if (!isObject(doc.auths)) throw invalid(path, '"auths" is not an object')
  for (const [k, v] of Object.entries(doc.auths)) {
    if (!isObject(v)) throw invalid(path, `"auths" entry "${k}" is not an object`)
    if (v.auth !== undefined && typeof v.auth !== 'string') throw invalid(path, `"auth" of "${k}" is not a string`)
    if (v.identitytoken !== undefined && typeof v.identitytoken !== 'string')
      throw invalid(path, `"identitytoken" of "${k}" is not a string`)
  }
  let credHelpers: Record<string, string> = {}
  if (doc.credHelpers !== undefined && doc.credHelpers !== null) {
    if (!isObject(doc.credHelpers)) throw invalid(path, '"credHelpers" is not an object')
    for (const [k, v] of Object.entries(doc.credHelpers)) {
      if (typeof v !== 'string') throw invalid(path, `"credHelpers" entry "${k}" is not a string`)
    }
    credHelpers = doc.credHelpers as Record<string, string>
  }
  const out: AuthFileContents = { auths: doc.auths as Record<string, AuthEntry>, credHelpers, raw: doc }
  if (doc.credsStore !== undefined && doc.credsStore !== null && doc.credsStore !== '') {
    if (typeof doc.credsStore !== 'string') throw invalid(path, '"credsStore" is not a string')
    out.credsStore = doc.credsStore
  }
  return out
}

/** Reads a file; a missing file reads as empty (no credentials). An empty or broken file is an error. */
export async function readAuthFile(path: string, legacyFormat = false): Promise<AuthFileContents> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    if (isNotFound(e)) return { auths: {}, credHelpers: {}, raw: {} }
    throw new SkiffError('ERR_IO', `reading "${path}": ${(e as Error).message}`, { cause: e })
  }
  return parseAuthFile(text, path, legacyFormat)
}

/**
 * Reads `path`, lets `editor` change the contents, and writes it back atomically with mode 0600
 * when the editor returns true. Parent directories are created with mode 0700.
 */
export async function editAuthFile<T>(
  path: string,
  editor: (c: AuthFileContents) => Promise<{ changed: boolean; result: T }>,
): Promise<T> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const contents = await readAuthFile(path)
  const { changed, result } = await editor(contents)
  if (changed) {
    const raw = contents.raw
    raw.auths = contents.auths
    if (Object.keys(contents.credHelpers).length > 0) raw.credHelpers = contents.credHelpers
    else delete raw.credHelpers
    try {
      await writeOutputFile(path, JSON.stringify(raw, null, '\t'), { mode: 0o600 })
    } catch (e) {
      throw new SkiffError('ERR_IO', `writing to file "${path}": ${(e as Error).message}`, { cause: e })
    }
  }
  return result
}
