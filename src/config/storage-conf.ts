/**
 * storage.conf(5): the default containers-storage store (driver, graph root, run root, driver
 * options), found and read as containers/storage 1.43 does (types/options.go, pkg/config):
 *
 * - `$CONTAINERS_STORAGE_CONF` when set (the only file read then);
 * - as root: `/etc/containers/storage.conf` when it exists, else `/usr/share/containers/storage.conf`;
 * - rootless: `$XDG_CONFIG_HOME/containers/storage.conf` or `~/.config/containers/storage.conf` when
 *   it exists (else the system file, with the rootless graph root and run root);
 * - `$STORAGE_DRIVER` and `$STORAGE_OPTS` (comma-separated) override the file's driver and options.
 *
 * Missing files are no error (the built-in defaults apply); a file that cannot be parsed is.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SkiffError } from '../errors.js'
import { homeDir, type ConfigEnvOptions, envOf } from './env.js'
import { parseToml, type TomlTable, type TomlValue } from './registries-conf/toml.js'

export interface StoreDefaults {
  /** '' when neither the file nor $STORAGE_DRIVER names one (containers/storage then picks). */
  driver: string
  graphRoot: string
  runRoot: string
  /** Graph driver options as containers/storage passes them (`overlay.mountopt=nodev`). */
  options: string[]
  /** The file that was read, if any. */
  file?: string
}

export interface StorageConfOptions extends ConfigEnvOptions {
  /** The effective user id (default process.getuid()); not 0 = rootless. */
  uid?: number
}

const SYSTEM_FILE = '/etc/containers/storage.conf'
const DEFAULT_FILE = '/usr/share/containers/storage.conf'

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new SkiffError('ERR_CONFIG_INVALID', `reading ${path}: ${(e as Error).message}`, { cause: e })
  }
}

function table(v: TomlValue | undefined): TomlTable {
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {}
}

function str(v: TomlValue | undefined): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : ''
}

/** pkg/config GetGraphDriverOptions for the drivers skiff writes (overlay, vfs). */
export function graphDriverOptions(driver: string, options: TomlTable): string[] {
  const out: string[] = []
  const pick = (sub: string, key: string, name = key): void => {
    const v = str(table(options[sub])[key]) || str(options[key])
    if (v) out.push(`${driver}.${name}=${v}`)
  }
  if (driver === 'overlay' || driver === 'overlay2') {
    pick('overlay', 'ignore_chown_errors')
    pick('overlay', 'mount_program')
    pick('overlay', 'mountopt')
    pick('overlay', 'size')
    const inodes = str(table(options.overlay).inodes)
    if (inodes) out.push(`${driver}.inodes=${inodes}`)
    pick('overlay', 'skip_mount_home')
    const mask = str(table(options.overlay).force_mask) || (options.force_mask ? str(options.force_mask) : '')
    if (mask && mask !== '0') out.push(`${driver}.force_mask=${mask}`)
  } else if (driver === 'vfs') {
    pick('vfs', 'ignore_chown_errors')
  }
  return out
}

/** $VAR / ${VAR} in a configured path, as containers/storage's expandEnvPath (os.ExpandEnv). */
function expandEnv(p: string, env: NodeJS.ProcessEnv): string {
  return p.replace(/\$(?:\{([^}]*)\}|([A-Za-z0-9_]+))/g, (_m, a: string | undefined, b: string | undefined) => {
    return env[a ?? b ?? ''] ?? ''
  })
}

function parseFile(path: string, text: string): TomlTable {
  try {
    return parseToml(text)
  } catch (e) {
    throw new SkiffError('ERR_CONFIG_INVALID', `${path}: ${(e as Error).message}`, { cause: e })
  }
}

/** The default store of containers/storage for this user and environment. */
export function loadStoreDefaults(opts: StorageConfOptions = {}): StoreDefaults {
  const env = envOf(opts)
  const uid = opts.uid ?? process.getuid?.() ?? 0
  const rootless = uid !== 0
  let file: string | undefined
  let text: string | undefined
  const override = env.CONTAINERS_STORAGE_CONF
  if (override !== undefined) {
    file = override
    text = readIfExists(override)
  } else {
    const candidates = rootless
      ? [join(env.XDG_CONFIG_HOME || join(homeDir(env), '.config'), 'containers', 'storage.conf')]
      : []
    candidates.push(SYSTEM_FILE, DEFAULT_FILE)
    for (const c of candidates) {
      text = readIfExists(c)
      if (text !== undefined) {
        file = c
        break
      }
    }
  }
  const conf = text !== undefined && file !== undefined ? parseFile(file, text) : {}
  const storage = table(conf.storage)
  let driver = str(storage.driver)
  let graphRoot = str(storage.graphroot)
  let runRoot = str(storage.runroot)
  const userFile = rootless && file !== undefined && file !== SYSTEM_FILE && file !== DEFAULT_FILE
  if (rootless && !userFile) {
    // getRootlessStorageOpts: the user's own directories, never root's.
    const dataHome = env.XDG_DATA_HOME || join(homeDir(env), '.local', 'share')
    runRoot = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'containers') : `/run/user/${uid}/containers`
    graphRoot = str(storage.rootless_storage_path) || join(dataHome, 'containers', 'storage')
    if (driver !== '' && driver !== 'overlay' && driver !== 'overlay2' && driver !== 'vfs') driver = ''
  }
  if (env.STORAGE_DRIVER) driver = env.STORAGE_DRIVER
  if (driver === 'overlay2') driver = 'overlay'
  graphRoot = expandEnv(graphRoot || '/var/lib/containers/storage', env)
  runRoot = expandEnv(runRoot || '/run/containers/storage', env)
  let options = graphDriverOptions(driver, table(storage.options))
  if (env.STORAGE_OPTS !== undefined) options = env.STORAGE_OPTS.split(',').filter((o) => o !== '')
  return { driver, graphRoot, runRoot, options, ...(file !== undefined && text !== undefined ? { file } : {}) }
}
