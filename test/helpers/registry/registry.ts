/**
 * A real registry per test: Debian's docker-registry (distribution 2.8) on 127.0.0.1, a free port,
 * a generated config in a temp dir, filesystem storage. Variants: plain HTTP, TLS with a test CA
 * (optionally signed by a CA the client does not trust), client certificates, htpasswd, token auth.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readAccessLog, type AccessLogEntry } from './access-log.js'
import { makeTempDir, removeTempDir, spawnLogged, type Child } from './child.js'
import { writeHtpasswd } from './htpasswd.js'
import { createCa, issueCert } from './pki.js'
import { freePort, LOOPBACK } from './ports.js'
import { PROBE_USER_AGENT, waitForHttp } from './probe.js'
import { startTokenServer, type TokenServer, type TokenServerOptions } from './token-server.js'

export const REGISTRY_BINARY = '/usr/bin/docker-registry'

export interface RegistryTlsOptions {
  /** serve a certificate signed by a second CA; certDir/caPath still hold the first one */
  untrusted?: boolean
  /** require client certificates (http.tls.clientcas); certDir gets client.cert + client.key */
  clientCerts?: boolean
}

export interface RegistryOptions {
  /** storage root (an existing store to serve); default: a fresh dir inside the temp dir */
  rootDir?: string
  /** storage.delete.enabled (default false, as distribution) */
  deleteEnabled?: boolean
  /** https with a CA generated for this registry */
  tls?: boolean | RegistryTlsOptions
  /** auth.htpasswd with these user → password pairs (realm "skiff-test") */
  htpasswd?: Record<string, string>
  /** auth.token: a token server started for this registry (options) or one the test owns */
  token?: TokenServerOptions | TokenServer
  /** http.relativeurls: Location headers become relative */
  relativeUrls?: boolean
  /** log.level (default info) */
  logLevel?: 'error' | 'warn' | 'info' | 'debug'
  /** merged (deeply) into the generated config last */
  extraConfig?: Record<string, unknown>
}

export interface Registry {
  /** http://127.0.0.1:PORT or https://127.0.0.1:PORT */
  url: string
  /** 127.0.0.1:PORT: what goes into docker://HOST/repo:tag */
  host: string
  port: number
  /** storage root directory */
  rootDir: string
  /** temp dir holding config, logs, certificates (removed by close) */
  dir: string
  configPath: string
  /** access log (Apache combined format, one line per request) */
  logPath: string
  /** distribution's own log (JSON lines) */
  appLogPath: string
  /** TLS only: the CA the test should trust (PEM) */
  caPath?: string
  /** TLS only: a --cert-dir / certs.d(5) directory: ca.crt (+ client.cert, client.key with clientCerts) */
  certDir?: string
  /** TLS only: the CA that really signed the server certificate (differs from caPath when untrusted) */
  signingCaPath?: string
  clientCertPath?: string
  clientKeyPath?: string
  /** token auth: the token server (started for this registry, or the one passed in) */
  tokenServer?: TokenServer
  /** access-log entries so far (the startup probe excluded), oldest first */
  requests(): AccessLogEntry[]
  /** stops the registry (process group), its own token server, removes the temp dir; idempotent */
  close(): Promise<void>
}

type Json = Record<string, unknown>

function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a }
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k]
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Json, v as Json)
        : v
  }
  return out
}

function isTokenServer(t: TokenServerOptions | TokenServer): t is TokenServer {
  return typeof (t as TokenServer).realm === 'string' && typeof (t as TokenServer).close === 'function'
}

function tail(path: string, lines = 15): string {
  if (!existsSync(path)) return ''
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  if (!existsSync(REGISTRY_BINARY))
    throw new Error(`this test needs ${REGISTRY_BINARY}: install it with: apt-get install -y docker-registry`)
  const dir = makeTempDir('skiff-registry-')
  let child: Child | undefined
  let ownToken: TokenServer | undefined
  const cleanup = async () => {
    await child?.stop()
    await ownToken?.close()
    removeTempDir(dir)
  }
  try {
    const rootDir = opts.rootDir ?? join(dir, 'storage')
    await mkdir(rootDir, { recursive: true })
    const configPath = join(dir, 'config.yml')
    const logPath = join(dir, 'access.log')
    const appLogPath = join(dir, 'registry.log')
    const tlsOpts: RegistryTlsOptions | undefined = opts.tls === true ? {} : opts.tls || undefined

    const http: Json = { secret: randomBytes(16).toString('hex') }
    if (opts.relativeUrls) http.relativeurls = true
    const tlsInfo: Partial<Registry> = {}
    if (tlsOpts) {
      const pki = join(dir, 'pki')
      const certDir = join(dir, 'certs')
      await mkdir(certDir, { recursive: true })
      const ca = await createCa(pki, 'ca')
      const signer = tlsOpts.untrusted ? await createCa(pki, 'other-ca', 'skiff untrusted test CA') : ca
      const server = await issueCert(signer, pki, 'server', 'server')
      const caPath = join(certDir, 'ca.crt')
      await copyFile(ca.certPath, caPath)
      const tls: Json = { certificate: server.certPath, key: server.keyPath }
      Object.assign(tlsInfo, { caPath, certDir, signingCaPath: signer.certPath })
      if (tlsOpts.clientCerts) {
        const clientCa = await createCa(pki, 'client-ca', 'skiff test client CA')
        const client = await issueCert(clientCa, certDir, 'client', 'client', 'cert')
        tls.clientcas = [clientCa.certPath]
        Object.assign(tlsInfo, { clientCertPath: client.certPath, clientKeyPath: client.keyPath })
      }
      http.tls = tls
    }

    let auth: Json | undefined
    let tokenServer: TokenServer | undefined
    if (opts.htpasswd && opts.token) throw new Error('startRegistry: htpasswd and token auth are exclusive')
    if (opts.htpasswd) {
      const path = join(dir, 'htpasswd')
      await writeHtpasswd(path, opts.htpasswd)
      auth = { htpasswd: { realm: 'skiff-test', path } }
    } else if (opts.token) {
      if (isTokenServer(opts.token)) tokenServer = opts.token
      else tokenServer = ownToken = await startTokenServer(opts.token)
      auth = {
        token: {
          realm: tokenServer.realm,
          service: tokenServer.service,
          issuer: tokenServer.issuer,
          rootcertbundle: tokenServer.rootCertBundle,
        },
      }
    }

    const scheme = tlsOpts ? 'https' : 'http'
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const host = `${LOOPBACK}:${port}`
      let config: Json = {
        version: '0.1',
        log: { level: opts.logLevel ?? 'info', formatter: 'json', accesslog: { disabled: false } },
        storage: {
          filesystem: { rootdirectory: rootDir },
          delete: { enabled: opts.deleteEnabled ?? false },
          maintenance: { uploadpurging: { enabled: false } },
        },
        http: { ...http, addr: host },
        ...(auth ? { auth } : {}),
      }
      if (opts.extraConfig) config = deepMerge(config, opts.extraConfig)
      // JSON is YAML: distribution's yaml parser reads it, and quoting is never a question.
      await writeFile(configPath, JSON.stringify(config, null, 2) + '\n')
      child = spawnLogged(REGISTRY_BINARY, ['serve', configPath], logPath, appLogPath, dir)
      const url = `${scheme}://${host}`
      try {
        await waitForHttp(`${url}/v2/`, {
          stillRunning: () => !child!.hasExited(),
          tls: { clientCertPath: tlsInfo.clientCertPath, clientKeyPath: tlsInfo.clientKeyPath },
        })
      } catch (e) {
        await child.stop()
        const log = tail(appLogPath)
        if (attempt < 5 && /address already in use/.test(log)) continue
        throw new Error(`docker-registry did not start (${(e as Error).message}); its log:\n${log}`, { cause: e })
      }
      const c = child
      let closing: Promise<void> | undefined
      return {
        url,
        host,
        port,
        rootDir,
        dir,
        configPath,
        logPath,
        appLogPath,
        ...tlsInfo,
        ...(tokenServer ? { tokenServer } : {}),
        requests: () => readAccessLog(logPath).filter((e) => e.userAgent !== PROBE_USER_AGENT),
        close() {
          closing ??= (async () => {
            await c.stop()
            await ownToken?.close()
            removeTempDir(dir)
          })()
          return closing
        },
      }
    }
  } catch (e) {
    await cleanup()
    throw e
  }
}
