/**
 * Per-registry TLS material, containers-certs.d(5): `*.crt` CA certificates (added to the system
 * roots), `*.cert` + `*.key` client pairs (paired by file name). With --cert-dir only that
 * directory is read; otherwise the first existing one of ~/.config/containers/certs.d/HOST[:PORT],
 * /etc/containers/certs.d/HOST[:PORT], /etc/docker/certs.d/HOST[:PORT] (as containers/image
 * dockerCertDir + tlsclientconfig.SetupCertificates).
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { lazyBuiltin } from '../util/lazy-builtin.js'
import { isNotFound, SkiffError } from '../errors.js'
import { type ConfigEnvOptions, envOf, homeDir } from './env.js'

// https only: a plain-http registry (or a local copy) never loads tls
const tls = lazyBuiltin<typeof import('node:tls')>('node:tls')

export interface TlsMaterial {
  /** Extra CA certificates (PEM) from *.crt, in file-name order; undefined when there are none. */
  ca?: Buffer[]
  /** The first client certificate (PEM) and its key; see `clientPairs` for all of them. */
  cert?: Buffer
  key?: Buffer
  /** Every *.cert / *.key pair, in file-name order (Go offers all of them to the server). */
  clientPairs?: { cert: Buffer; key: Buffer; certFile: string; keyFile: string }[]
  /** The directory the material came from, when one existed. */
  dir?: string
}

export interface TlsOptions extends ConfigEnvOptions {
  /** --cert-dir: use only this directory. */
  certDir?: string
  /** Override the system locations (tests): default ["/etc/containers/certs.d", "/etc/docker/certs.d"]. */
  systemCertsDirs?: string[]
}

export const SYSTEM_CERTS_DIRS = ['/etc/containers/certs.d', '/etc/docker/certs.d']

/** The directory containers/image would read for `hostPort` (the registry as written in the reference, docker.io for Docker Hub). */
export async function certDirFor(hostPort: string, opts: TlsOptions = {}): Promise<string | undefined> {
  if (opts.certDir) return opts.certDir
  const candidates = [
    join(homeDir(envOf(opts)), '.config', 'containers', 'certs.d'),
    ...(opts.systemCertsDirs ?? SYSTEM_CERTS_DIRS),
  ]
  for (const base of candidates) {
    const dir = join(base, hostPort)
    try {
      await stat(dir)
      return dir
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (isNotFound(e) || code === 'EACCES' || code === 'EPERM') continue
      throw new SkiffError('ERR_IO', `reading certificates directory "${dir}": ${(e as Error).message}`, { cause: e })
    }
  }
  return undefined
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch (e) {
    if (isNotFound(e)) return false
    throw e
  }
}

async function readPem(p: string): Promise<Buffer> {
  try {
    return await readFile(p)
  } catch (e) {
    throw new SkiffError('ERR_IO', `reading "${p}": ${(e as Error).message}`, { cause: e })
  }
}

/** Reads one certificates directory; a missing directory has no material. */
export async function readCertDir(dir: string): Promise<TlsMaterial> {
  let names: string[]
  try {
    names = (await readdir(dir)).sort()
  } catch (e) {
    if (isNotFound(e)) return {}
    throw new SkiffError('ERR_IO', `reading certificates directory "${dir}": ${(e as Error).message}`, { cause: e })
  }
  const out: TlsMaterial = { dir }
  for (const name of names) {
    const full = join(dir, name)
    if (name.endsWith('.crt')) {
      ;(out.ca ??= []).push(await readPem(full))
    } else if (name.endsWith('.cert')) {
      const keyName = `${name.slice(0, -'.cert'.length)}.key`
      const keyFile = join(dir, keyName)
      if (!names.includes(keyName) && !(await exists(keyFile))) {
        throw new SkiffError(
          'ERR_CONFIG_INVALID',
          `missing key ${keyName} for client certificate ${full}: add the key, or rename the file to .crt if it is a CA certificate`,
        )
      }
      const pair = { cert: await readPem(full), key: await readPem(keyFile), certFile: full, keyFile }
      try {
        tls().createSecureContext({ cert: pair.cert, key: pair.key })
      } catch (e) {
        throw new SkiffError(
          'ERR_CONFIG_INVALID',
          `client certificate ${full} and key ${keyFile} do not form a usable pair: ${(e as Error).message}`,
          { cause: e },
        )
      }
      ;(out.clientPairs ??= []).push(pair)
    } else if (name.endsWith('.key')) {
      const certName = `${name.slice(0, -'.key'.length)}.cert`
      if (!names.includes(certName) && !(await exists(join(dir, certName)))) {
        throw new SkiffError(
          'ERR_CONFIG_INVALID',
          `missing client certificate ${certName} for key ${full}: add the certificate or remove the key`,
        )
      }
    }
  }
  if (out.clientPairs && out.clientPairs.length > 0) {
    out.cert = out.clientPairs[0]!.cert
    out.key = out.clientPairs[0]!.key
  }
  return out
}

/** TLS material for a registry at `hostPort` (e.g. "registry.example.com:5000", "docker.io"). */
export async function loadTlsConfig(hostPort: string, opts: TlsOptions = {}): Promise<TlsMaterial> {
  const dir = await certDirFor(hostPort, opts)
  return dir === undefined ? {} : readCertDir(dir)
}

/**
 * The `ca` list to give Node when extra CAs are configured: Node's defaults (bundled roots, the
 * system store where this Node reads it, NODE_EXTRA_CA_CERTS) plus `extra`. Node's `ca` option
 * replaces the defaults, while certs.d adds to them.
 */
export function caWithSystemRoots(extra: Buffer[] | undefined): (string | Buffer)[] | undefined {
  if (!extra || extra.length === 0) return undefined
  const getCA = (tls() as unknown as { getCACertificates?: (type?: string) => string[] }).getCACertificates
  const base = new Set<string>(getCA ? [...getCA('default'), ...safe(() => getCA('system'))] : tls().rootCertificates)
  return [...base, ...extra]
}

function safe(f: () => string[]): string[] {
  try {
    return f()
  } catch {
    return []
  }
}
