/**
 * Finding and merging registries.conf files (containers/image sysregistriesv2 newConfigWrapper,
 * dropInConfigs, updateWithConfigurationFrom):
 * - the main file: --registries-conf / $CONTAINERS_REGISTRIES_CONF (must exist), else
 *   ~/.config/containers/registries.conf when it exists, else /etc/containers/registries.conf
 *   (a missing default file is an empty configuration);
 * - then drop-ins, `*.conf` in /etc/containers/registries.conf.d then
 *   ~/.config/containers/registries.conf.d, each in name order (only the user directory when the
 *   user's main file is used). Later files replace [[registry]] tables with the same prefix, aliases
 *   of the same name, and any top-level setting they set.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { isNotFound, SkiffError, opt, withOptions } from '../../errors.js'
import { type ConfigEnvOptions, envOf, homeDir } from '../env.js'
import { type ParsedConfFile, parseRegistriesConfText } from './parse.js'
import type { RegistriesConf, RegistryEntry } from './types.js'

export const SYSTEM_REGISTRIES_CONF = '/etc/containers/registries.conf'
export const SYSTEM_REGISTRIES_CONF_DIR = '/etc/containers/registries.conf.d'

export interface RegistriesConfOptions extends ConfigEnvOptions {
  /** --registries-conf: this file instead of the user/system one; it must exist. Default $CONTAINERS_REGISTRIES_CONF. */
  confPath?: string
  /** Read drop-ins from this directory only. */
  confDirPath?: string
  /** The system file and drop-in directory (tests point these into a temp dir). */
  systemConfPath?: string
  systemConfDirPath?: string
}

export interface ConfLocations {
  /** The main file. */
  confPath: string
  /** Whether a missing main file is an error (explicitly chosen). */
  required: boolean
  /** Drop-in directories, in reading order. */
  dropInDirs: string[]
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch {
    return false
  }
}

export async function registriesConfLocations(opts: RegistriesConfOptions = {}): Promise<ConfLocations> {
  const env = envOf(opts)
  const home = homeDir(env)
  const userFile = join(home, '.config', 'containers', 'registries.conf')
  const userDir = join(home, '.config', 'containers', 'registries.conf.d')
  const systemFile = opts.systemConfPath ?? SYSTEM_REGISTRIES_CONF
  const systemDir = opts.systemConfDirPath ?? SYSTEM_REGISTRIES_CONF_DIR
  const explicit = opts.confPath || env.CONTAINERS_REGISTRIES_CONF || undefined
  if (explicit)
    return {
      confPath: explicit,
      required: true,
      dropInDirs: opts.confDirPath ? [opts.confDirPath] : [systemDir, userDir],
    }
  if (await exists(userFile))
    return { confPath: userFile, required: false, dropInDirs: opts.confDirPath ? [opts.confDirPath] : [userDir] }
  return {
    confPath: systemFile,
    required: false,
    dropInDirs: opts.confDirPath ? [opts.confDirPath] : [systemDir, userDir],
  }
}

async function dropIns(dirs: string[]): Promise<string[]> {
  const out: string[] = []
  for (const dir of dirs) {
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (e) {
      if (isNotFound(e)) continue
      throw new SkiffError('ERR_CONFIG_INVALID', `reading registries.conf.d "${dir}": ${(e as Error).message}`, {
        cause: e,
      })
    }
    const names = entries
      .filter((d) => !d.isDirectory() && d.name.endsWith('.conf'))
      .map((d) => d.name)
      .sort()
    for (const n of names) out.push(join(dir, n))
  }
  return out
}

async function readConf(path: string, forceV2: boolean): Promise<ParsedConfFile | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    if (isNotFound(e)) return undefined
    throw new SkiffError('ERR_CONFIG_INVALID', `loading registries configuration "${path}": ${(e as Error).message}`, {
      cause: e,
    })
  }
  return parseRegistriesConfText(text, path, { forceV2 })
}

/** Merges `update` into `conf` (later files win). */
export function mergeConfFile(conf: RegistriesConf, update: ParsedConfFile): void {
  const byPrefix = new Map<string, RegistryEntry>(conf.registries.map((r) => [r.prefix, r]))
  for (const r of update.registries) byPrefix.set(r.prefix, r)
  conf.registries = [...byPrefix.keys()].sort().map((p) => byPrefix.get(p)!)
  if (update.unqualifiedSearchRegistries !== undefined) {
    conf.unqualifiedSearchRegistries = update.unqualifiedSearchRegistries
    conf.unqualifiedSearchRegistriesOrigin = update.path
  }
  if (update.credentialHelpers !== undefined) conf.credentialHelpers = update.credentialHelpers
  if (update.shortNameMode !== undefined) conf.shortNameMode = update.shortNameMode
  for (const [k, v] of update.aliases) conf.aliases.set(k, v)
  conf.sources.push(update.path)
}

/** An empty configuration (no registries.conf at all). */
export function emptyRegistriesConf(): RegistriesConf {
  return {
    registries: [],
    unqualifiedSearchRegistries: [],
    credentialHelpers: [],
    shortNameMode: 'permissive',
    aliases: new Map(),
    sources: [],
  }
}

/** Builds a configuration from already-parsed files, in order (main file first, then drop-ins). */
export function buildRegistriesConf(files: ParsedConfFile[]): RegistriesConf {
  const conf = emptyRegistriesConf()
  for (const f of files) mergeConfFile(conf, f)
  if (conf.credentialHelpers.length === 0) conf.credentialHelpers = ['containers-auth.json']
  return conf
}

/** Loads the effective registries configuration. Throws ERR_CONFIG_INVALID naming the file at fault. */
export async function loadRegistriesConf(opts: RegistriesConfOptions = {}): Promise<RegistriesConf> {
  const loc = await registriesConfLocations(opts)
  const files: ParsedConfFile[] = []
  const main = await readConf(loc.confPath, false)
  if (main) files.push(main)
  else if (loc.required) {
    throw new SkiffError(
      'ERR_CONFIG_INVALID',
      withOptions`loading registries configuration "${loc.confPath}": no such file; fix ${opt('registry.registriesConfPath')} or $CONTAINERS_REGISTRIES_CONF`,
    )
  }
  for (const p of await dropIns(loc.dropInDirs)) {
    const f = await readConf(p, true)
    if (f) files.push(f)
  }
  return buildRegistriesConf(files)
}
