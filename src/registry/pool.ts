/**
 * The registry clients of one context: a client is shared by every user of the same registry with
 * the same options and role (pings, tokens and connections are reused across images), refcounted,
 * and closed when the last user releases it.
 */
import { RegistryClient, type ClientDeps, type RegistryClientOptions } from './client.js'

interface Shared {
  client: Promise<RegistryClient>
  refs: number
  /** Set while nobody holds the client: closes it when it fires (LINGER_MS after the last release). */
  idle?: NodeJS.Timeout
}

function keyOf(registry: string, opts: RegistryClientOptions, role: string): string {
  const { credentialSource, ...rest } = opts
  return JSON.stringify([registry, rest, credentialSource ? 'custom' : '', role])
}

export class ClientPool {
  private readonly shared = new Map<string, Shared>()
  /** ms a released client stays open for the next user (0: closed at once; SkiffContext.keepClients sets it). */
  lingerMs = 0

  constructor(private readonly deps: ClientDeps) {}

  /**
   * A client shared by every user of the same registry with the same options and role. Readers and
   * writers never share one: a blob GET holds a connection until the upload consuming it has one of
   * its own, so a shared, bounded pool could deadlock a copy within one registry. A client with its
   * own credentialSource is never shared. Call client.release() (releaseClient) when done.
   */
  async acquire(
    registry: string,
    opts: RegistryClientOptions = {},
    role: 'pull' | 'push' = 'pull',
  ): Promise<RegistryClient> {
    if (opts.credentialSource) return RegistryClient.create(registry, opts, this.deps)
    const k = keyOf(registry, opts, role)
    let s = this.shared.get(k)
    if (!s) {
      const client = RegistryClient.create(registry, opts, this.deps).then((c) => {
        c.ownedBy(this)
        return c
      })
      s = { client, refs: 0 }
      this.shared.set(k, s)
      client.catch(() => this.shared.delete(k))
    }
    if (s.idle) {
      clearTimeout(s.idle)
      delete s.idle
    }
    s.refs++
    return s.client
  }

  /**
   * One user is done with `client`; after the last one it is closed (and writes the blob-location
   * cache), or with lingerMs it stays open that long first (unref'd: it never keeps the process alive).
   */
  async release(client: RegistryClient): Promise<void> {
    for (const [k, s] of this.shared) {
      if ((await s.client.catch(() => undefined)) === client) {
        s.refs--
        if (s.refs > 0 || s.idle) {
          client.blobLocations.flushSoon()
          return
        }
        if (this.lingerMs <= 0) {
          this.shared.delete(k)
          break
        }
        client.blobLocations.flushSoon()
        s.idle = setTimeout(() => {
          if (this.shared.get(k) !== s || s.refs > 0) return
          this.shared.delete(k)
          void client.close().catch(() => {})
        }, this.lingerMs)
        s.idle.unref()
        return
      }
    }
    await client.close()
  }

  /** Closes every client still held (the context's end). */
  async close(): Promise<void> {
    const all = [...this.shared.values()]
    this.shared.clear()
    for (const s of all) if (s.idle) clearTimeout(s.idle)
    await Promise.all(all.map(async (s) => (await s.client.catch(() => undefined))?.close()))
  }
}
