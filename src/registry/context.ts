/**
 * SkiffContext: everything registry access keeps between requests, owned by one object instead of
 * the process (regclient's `New(opts...)` is the model). It holds the registry client pool, the
 * blob-location cache (cross-repository mounts), the registries.conf files read, the credential
 * source and the --debug log, plus the environment every configuration file is looked up with.
 *
 * The CLI creates one per command and passes it in TransportOptions.context; copyImage, runSync
 * and the inspect functions create a fresh one per call when none is given. Two contexts share
 * nothing but the files on disk, so one process can hold two configurations.
 *
 * Loading is lazy: the client pool (and with it undici) and the registries.conf reader are
 * imported on first use, so creating a context costs nothing for a `dir:` → `oci:` copy.
 */
import type { RegistriesConf } from '../config/registries-conf/types.js'
import type { RegistriesD } from '../config/registries-d/index.js'
import { BlobLocationCache, cacheDir } from './blob-locations.js'
import type { CredentialSource } from './credentials.js'
import { debugLogTo, type DebugLog, type DebugSink } from './log.js'
import type { ClientPool } from './pool.js'

/**
 * keepClients(): how long a client nobody holds stays open for the next user. A sync copies image
 * after image through the same source and destination clients; without this, a moment with no
 * image of that registry in flight closed the client, and the next image paid a new ping (two
 * requests with --tls-verify=false) and new connections — a round trip each over a slow link.
 */
const LINGER_MS = 10_000

export interface SkiffContextOptions {
  /**
   * The environment configuration is looked up with: HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME,
   * DOCKER_CONFIG and REGISTRY_AUTH_FILE (credentials), CONTAINERS_REGISTRIES_CONF (registries.conf),
   * XDG_CACHE_HOME (the blob-location cache), PATH (credential helpers). Default process.env.
   */
  env?: NodeJS.ProcessEnv
  /** Stored credentials when a request has none of its own; default auth.json / docker config / helpers read with `env`. */
  credentialSource?: CredentialSource
  /** Where redacted registry debug lines go (skiff --debug); default nowhere. */
  debugLog?: DebugSink
  /** The blob-location cache folder; default blob-locations/ in $XDG_CACHE_HOME/skiff (of `env`), else ~/.cache/skiff. */
  blobLocationsDir?: string
  /**
   * Whether the blob-location cache is written (default true). False for a context that only
   * reads images (the CLI's inspect): locations are still remembered in memory, nothing is written.
   */
  writeBlobLocations?: boolean
}

export class SkiffContext {
  readonly env: NodeJS.ProcessEnv
  readonly log: DebugLog
  /** Where blobs are known to live; shared by every registry client of this context. */
  readonly blobLocations: BlobLocationCache
  private readonly credentialSource: CredentialSource | undefined
  private pool: Promise<ClientPool> | undefined
  private lingerMs = 0
  private readonly confs = new Map<string, Promise<RegistriesConf>>()
  private readonly registriesDs = new Map<string, Promise<RegistriesD>>()

  constructor(opts: SkiffContextOptions = {}) {
    this.env = opts.env ?? process.env
    this.log = debugLogTo(opts.debugLog)
    this.credentialSource = opts.credentialSource
    this.blobLocations = new BlobLocationCache(
      opts.blobLocationsDir ?? `${cacheDir(this.env)}/blob-locations`,
      this.log,
      opts.writeBlobLocations ?? true,
    )
  }

  /** The registry client pool (created on first use). */
  clients(): Promise<ClientPool> {
    this.pool ??= (async () => {
      const [{ ClientPool }, { storedCredentials }] = await Promise.all([
        import('./pool.js'),
        import('./credentials.js'),
      ])
      const credentialSource = this.credentialSource ?? storedCredentials(this.env)
      const pool = new ClientPool({ env: this.env, log: this.log, credentialSource, blobLocations: this.blobLocations })
      pool.lingerMs = this.lingerMs
      return pool
    })()
    return this.pool
  }

  /**
   * Registry clients released by their last user stay open a while (registry/pool.ts LINGER_MS) for
   * the next one: a sync, whose images come one after another, keeps its pings, tokens and
   * connections. Whoever calls this closes the context (close() ends the idle clients at once).
   */
  keepClients(): void {
    this.lingerMs = LINGER_MS
    void this.pool?.then((p) => (p.lingerMs = LINGER_MS)).catch(() => {})
  }

  /** The registries.conf `path` names (--registries-conf), else $CONTAINERS_REGISTRIES_CONF of env, else the user/system file. */
  registriesConfPath(path?: string): string {
    return path || this.env.CONTAINERS_REGISTRIES_CONF || ''
  }

  /** registries.conf (with its drop-ins), read once per context per path; a failed read is tried again next time. */
  registriesConf(path?: string): Promise<RegistriesConf> {
    const p = this.registriesConfPath(path)
    let conf = this.confs.get(p)
    if (!conf) {
      conf = import('../config/registries-conf/load.js').then(({ loadRegistriesConf }) =>
        loadRegistriesConf({ env: this.env, ...(p ? { confPath: p } : {}) }),
      )
      this.confs.set(p, conf)
      conf.catch(() => this.confs.delete(p))
    }
    return conf
  }

  /**
   * registries.d (signature storage: lookaside, sigstore attachments) from `dirPath`
   * (--registries.d), else the user/system directory, read once per context per path (a sync asks
   * for every image); a failed read is tried again next time.
   */
  registriesD(dirPath?: string): Promise<RegistriesD> {
    const k = dirPath ?? ''
    let d = this.registriesDs.get(k)
    if (!d) {
      d = import('../config/registries-d/index.js').then(({ loadRegistriesD }) =>
        loadRegistriesD({ env: this.env, ...(dirPath ? { dirPath } : {}) }),
      )
      this.registriesDs.set(k, d)
      d.catch(() => this.registriesDs.delete(k))
    }
    return d
  }

  /**
   * Closes the registry clients still held and writes the blob-location cache. Everything the
   * transports acquire they release themselves, so this only matters after a leak or an abort; the
   * context may be used again afterwards (new clients are created).
   */
  async close(): Promise<void> {
    const pool = this.pool
    this.pool = undefined
    if (pool) await (await pool.catch(() => undefined))?.close()
    await this.blobLocations.flush()
  }
}

/** A context of its own (see SkiffContextOptions for the defaults). */
export function newContext(opts: SkiffContextOptions = {}): SkiffContext {
  return new SkiffContext(opts)
}
