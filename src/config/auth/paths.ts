/**
 * Where credentials live (containers-auth.json(5), containers/image pkg/docker/config):
 * the primary read/write file, then the read-only fallbacks, in lookup order.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SkiffError, opt, withOptions } from '../../errors.js'
import { type ConfigEnvOptions, envOf, homeDir, xdgConfigHome } from '../env.js'

export interface AuthFileOptions extends ConfigEnvOptions {
  /** --authfile; when unset, $REGISTRY_AUTH_FILE; when both unset, the default lookup. */
  authFile?: string
}

export interface AuthFilePath {
  path: string
  /** ~/.dockercfg: a bare map of keys to entries, no "auths" wrapper. */
  legacyFormat: boolean
}

/** The explicit override: --authfile, else $REGISTRY_AUTH_FILE (skopeo's flag default). */
export function explicitAuthFile(opts: AuthFileOptions = {}): string | undefined {
  return opts.authFile || envOf(opts).REGISTRY_AUTH_FILE || undefined
}

/**
 * The file `login` writes and `logout` edits: the override, else
 * ${XDG_RUNTIME_DIR}/containers/auth.json, else /run/containers/$UID/auth.json.
 * Throws when $XDG_RUNTIME_DIR names a directory that does not exist (as containers/image).
 */
export function primaryAuthFile(opts: AuthFileOptions = {}): string {
  const explicit = explicitAuthFile(opts)
  if (explicit) return explicit
  const env = envOf(opts)
  const runtimeDir = env.XDG_RUNTIME_DIR
  if (runtimeDir) {
    if (!existsSync(runtimeDir)) {
      throw new SkiffError(
        'ERR_CONFIG_INVALID',
        withOptions`"${runtimeDir}" directory set by $XDG_RUNTIME_DIR does not exist: create the directory, unset $XDG_RUNTIME_DIR or pass ${opt('registry.authFile')}`,
      )
    }
    return join(runtimeDir, 'containers', 'auth.json')
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0
  return `/run/containers/${uid}/auth.json`
}

/**
 * Files searched for credentials, in order (containers-auth.json(5); containers/image
 * getAuthFilePaths, checked against skopeo 1.9.3): the primary file — the override (--authfile,
 * else $REGISTRY_AUTH_FILE) when given, which then replaces ${XDG_RUNTIME_DIR}/containers/auth.json
 * (that file is not read at all) — then the read-only fallbacks
 * ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json, ${DOCKER_CONFIG:-~/.docker}/config.json and
 * ~/.dockercfg (legacy format). The first file with an entry for the registry decides.
 * A primary file that cannot be determined (missing $XDG_RUNTIME_DIR directory) is skipped,
 * so public images still pull.
 */
export function authFileLookupPaths(opts: AuthFileOptions = {}): AuthFilePath[] {
  const env = envOf(opts)
  const home = homeDir(env)
  const paths: AuthFilePath[] = []
  try {
    paths.push({ path: primaryAuthFile(opts), legacyFormat: false })
  } catch {
    // containers/image only warns here; the remaining files may still hold credentials
  }
  paths.push({ path: join(xdgConfigHome(env), 'containers', 'auth.json'), legacyFormat: false })
  const dockerConfig = env.DOCKER_CONFIG
  paths.push({
    path: dockerConfig ? join(dockerConfig, 'config.json') : join(home, '.docker', 'config.json'),
    legacyFormat: false,
  })
  paths.push({ path: join(home, '.dockercfg'), legacyFormat: true })
  return paths
}

/**
 * The --authfile default of `login` and `logout` (containers/common GetDefaultAuthFile):
 * --authfile, else $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json when $DOCKER_CONFIG is set,
 * else undefined (the normal lookup / primary file). Pass the result as `authFile`.
 */
export function loginAuthFile(opts: AuthFileOptions = {}): string | undefined {
  const explicit = explicitAuthFile(opts)
  if (explicit) return explicit
  const dockerConfig = envOf(opts).DOCKER_CONFIG
  return dockerConfig ? join(dockerConfig, 'config.json') : undefined
}
