/**
 * registries.d (containers-registries.d(5); containers/image docker/registries_d.go): where the
 * signatures of docker:// images live (the lookaside) and whether sigstore attachments are used.
 * Every `*.yaml` file of the directory is merged; a `default-docker` or `docker` namespace defined in
 * two files is an error. The most specific namespace that sets a value wins (the image's identity,
 * then its namespaces, then `default-docker`).
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { SkiffError, isNotFound } from '../../errors.js'
import { type ConfigEnvOptions, envOf, homeDir } from '../env.js'

export const SYSTEM_REGISTRIES_D = '/etc/containers/registries.d'

/** One namespace's settings (registryNamespace). */
export interface RegistryNamespace {
  lookaside?: string
  lookasideStaging?: string
  /** Deprecated spellings of lookaside / lookasideStaging. */
  sigstore?: string
  sigstoreStaging?: string
  useSigstoreAttachments?: boolean
}

export interface RegistriesD {
  defaultDocker?: RegistryNamespace
  docker: Map<string, RegistryNamespace>
}

/** The scopes of an image, most specific first (ImageReference.policyConfigurationIdentity/Namespaces). */
export interface ScopedImage {
  policyConfigurationIdentity(): string
  policyConfigurationNamespaces(): string[]
}

export interface RegistriesDOptions extends ConfigEnvOptions {
  /** --registries.d DIR; default ~/.config/containers/registries.d when it exists, else the system one. */
  dirPath?: string
  /** The system directory (tests). */
  systemDirPath?: string
}

function configError(message: string, cause?: unknown): SkiffError {
  return new SkiffError('ERR_CONFIG_INVALID', message, cause === undefined ? {} : { cause })
}

/** The directory containers/image reads (registriesDirPath). */
export async function registriesDirPath(opts: RegistriesDOptions = {}): Promise<string> {
  if (opts.dirPath) return opts.dirPath
  const user = join(homeDir(envOf(opts)), '.config', 'containers', 'registries.d')
  try {
    await readdir(user)
    return user
  } catch {
    return opts.systemDirPath ?? SYSTEM_REGISTRIES_D
  }
}

const NS_FIELDS: Record<string, keyof RegistryNamespace> = {
  lookaside: 'lookaside',
  'lookaside-staging': 'lookasideStaging',
  sigstore: 'sigstore',
  'sigstore-staging': 'sigstoreStaging',
  'use-sigstore-attachments': 'useSigstoreAttachments',
}

/** encoding/json into registryNamespace: keys case-insensitive, unknown keys ignored, types checked. */
function namespaceFrom(v: unknown, where: string): RegistryNamespace {
  if (v === null || v === undefined) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw configError(`${where}: a namespace must be a mapping`)
  const ns: RegistryNamespace = {}
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const field = NS_FIELDS[k.toLowerCase()]
    if (!field || val === null) continue
    if (field === 'useSigstoreAttachments') {
      if (typeof val !== 'boolean') throw configError(`${where}: ${k} must be true or false`)
      ns.useSigstoreAttachments = val
    } else {
      if (typeof val !== 'string') throw configError(`${where}: ${k} must be a string`)
      ns[field] = val
    }
  }
  return ns
}

/** Parses one registries.d file's text (YAML). */
export function parseRegistriesDFile(
  text: string,
  path: string,
): { defaultDocker?: RegistryNamespace; docker: Map<string, RegistryNamespace> } {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (e) {
    throw configError(`parsing ${path}: ${(e as Error).message.split('\n')[0]}`, e)
  }
  const out: { defaultDocker?: RegistryNamespace; docker: Map<string, RegistryNamespace> } = { docker: new Map() }
  if (doc === null || doc === undefined) return out
  if (typeof doc !== 'object' || Array.isArray(doc)) throw configError(`parsing ${path}: the file must be a mapping`)
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const key = k.toLowerCase()
    if (key === 'default-docker') {
      if (v !== null) out.defaultDocker = namespaceFrom(v, `parsing ${path}: default-docker`)
    } else if (key === 'docker') {
      if (v === null) continue
      if (typeof v !== 'object' || Array.isArray(v)) throw configError(`parsing ${path}: docker must be a mapping`)
      for (const [name, ns] of Object.entries(v as Record<string, unknown>))
        out.docker.set(name, namespaceFrom(ns, `parsing ${path}: docker namespace ${name}`))
    }
  }
  return out
}

/** Reads and merges every `*.yaml` file of the registries.d directory (a missing directory is empty). */
export async function loadRegistriesD(opts: RegistriesDOptions = {}): Promise<RegistriesD> {
  const dir = await registriesDirPath(opts)
  const merged: RegistriesD = { docker: new Map() }
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    if (isNotFound(e)) return merged
    throw configError(`reading registries.d ${dir}: ${(e as Error).message}`, e)
  }
  let defaultFrom = ''
  const nsFrom = new Map<string, string>()
  for (const name of names.sort()) {
    if (!name.endsWith('.yaml')) continue
    const path = join(dir, name)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (e) {
      throw configError(`reading ${path}: ${(e as Error).message}`, e)
    }
    const file = parseRegistriesDFile(text, path)
    if (file.defaultDocker) {
      if (merged.defaultDocker)
        throw configError(
          `Error parsing signature storage configuration: "default-docker" defined both in "${defaultFrom}" and "${path}"`,
        )
      merged.defaultDocker = file.defaultDocker
      defaultFrom = path
    }
    for (const [ns, cfg] of file.docker) {
      if (merged.docker.has(ns))
        throw configError(
          `Error parsing signature storage configuration: "docker" namespace "${ns}" defined both in "${nsFrom.get(ns)}" and "${path}"`,
        )
      merged.docker.set(ns, cfg)
      nsFrom.set(ns, path)
    }
  }
  return merged
}

function nsTopLevel(ns: RegistryNamespace, write: boolean): string {
  if (write) {
    if (ns.lookasideStaging) return ns.lookasideStaging
    if (ns.sigstoreStaging) return ns.sigstoreStaging
  }
  return ns.lookaside || ns.sigstore || ''
}

/** The namespaces that apply to `image`, most specific first (then default-docker). */
function applicable(config: RegistriesD, image: ScopedImage): RegistryNamespace[] {
  const out: RegistryNamespace[] = []
  for (const name of [image.policyConfigurationIdentity(), ...image.policyConfigurationNamespaces()]) {
    const ns = config.docker.get(name)
    if (ns) out.push(ns)
  }
  if (config.defaultDocker) out.push(config.defaultDocker)
  return out
}

/** The configured lookaside URL for reading (or, with `write`, writing), or undefined for the built-in default. */
export function lookasideTopLevel(config: RegistriesD, image: ScopedImage, write: boolean): string | undefined {
  for (const ns of applicable(config, image)) {
    const url = nsTopLevel(ns, write)
    if (url) return url
  }
  return undefined
}

/** use-sigstore-attachments of the most specific namespace that sets it; false by default. */
export function useSigstoreAttachments(config: RegistriesD, image: ScopedImage): boolean {
  for (const ns of applicable(config, image))
    if (ns.useSigstoreAttachments !== undefined) return ns.useSigstoreAttachments
  return false
}

/** The built-in lookaside: /var/lib/containers/sigstore for root, else ~/.local/share/containers/sigstore. */
export function defaultLookaside(opts: ConfigEnvOptions & { euid?: number } = {}): string {
  const euid = opts.euid ?? process.geteuid?.() ?? 0
  if (euid !== 0) return `file://${join(homeDir(envOf(opts)), '.local', 'share', 'containers', 'sigstore')}`
  return 'file:///var/lib/containers/sigstore'
}
