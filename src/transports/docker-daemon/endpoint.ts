/**
 * Where the Docker daemon is and how to reach it, from --src/--dest-daemon-host, else $DOCKER_HOST,
 * else unix:///var/run/docker.sock. `tcp://` is plain HTTP unless TLS is asked for
 * ($DOCKER_TLS_VERIFY, a --cert-dir, --tls-verify=true or `https://`); TLS material comes from the
 * --cert-dir or $DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem), as the docker CLI reads it;
 * --tls-verify=false keeps TLS (when asked for otherwise) but skips verifying the daemon's certificate.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type OptionMention, SkiffError, opt } from '../../errors.js'
import { homeDir } from '../../config/env.js'
import type { RegistryAccessOptions } from '../../registry/types.js'

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'

export interface DaemonTls {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  rejectUnauthorized: boolean
}

export interface DaemonEndpoint {
  /** The host as the user gave it (for messages). */
  host: string
  /** A unix socket path, or undefined for TCP. */
  socketPath?: string
  hostname?: string
  port?: number
  tls?: DaemonTls
  /** The option that sets this host, for messages: `registry.daemonHost` of this side. */
  hostOption: OptionMention
}

export type DaemonSide = 'source' | 'destination'

function invalidHost(host: string, why: string): SkiffError {
  return new SkiffError(
    'ERR_INVALID_ARGUMENT',
    `invalid docker daemon host "${host}": ${why}; expected unix:///path/to/docker.sock or tcp://HOST:PORT`,
  )
}

function readPem(dir: string, name: string, required: boolean): Buffer | undefined {
  try {
    return readFileSync(join(dir, name))
  } catch (e) {
    if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new SkiffError('ERR_TLS', `docker daemon TLS: cannot read ${join(dir, name)}: ${(e as Error).message}`, {
      cause: e,
    })
  }
}

function tlsFor(reg: RegistryAccessOptions | undefined, env: NodeJS.ProcessEnv): DaemonTls {
  const dir = reg?.certDir ?? (env.DOCKER_CERT_PATH || join(homeDir(env), '.docker'))
  const ca = readPem(dir, 'ca.pem', false)
  const cert = readPem(dir, 'cert.pem', false)
  const key = readPem(dir, 'key.pem', cert !== undefined)
  if (key !== undefined && cert === undefined)
    throw new SkiffError('ERR_TLS', `docker daemon TLS: ${join(dir, 'key.pem')} has no matching cert.pem`)
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: reg?.tlsVerify !== false,
  }
}

/** Resolves the daemon endpoint for one side of a copy. */
export function resolveEndpoint(
  reg: RegistryAccessOptions | undefined,
  side: DaemonSide,
  env: NodeJS.ProcessEnv = process.env,
): DaemonEndpoint {
  const hostOption = opt('registry.daemonHost', { side })
  const host = reg?.daemonHost || env.DOCKER_HOST || DEFAULT_DOCKER_HOST
  const m = /^([a-z]+):\/\/(.*)$/.exec(host)
  if (!m) throw invalidHost(host, 'no scheme')
  const scheme = m[1]!
  const rest = m[2]!
  if (scheme === 'unix') {
    if (rest === '') throw invalidHost(host, 'empty socket path')
    return { host, socketPath: rest, hostOption }
  }
  if (scheme !== 'tcp' && scheme !== 'http' && scheme !== 'https')
    throw invalidHost(host, `unsupported scheme "${scheme}"`)
  const useTls =
    scheme === 'https' ||
    (scheme === 'tcp' && (!!env.DOCKER_TLS_VERIFY || reg?.certDir !== undefined || reg?.tlsVerify === true))
  let url: URL
  try {
    url = new URL(`${useTls ? 'https' : 'http'}://${rest}`)
  } catch {
    throw invalidHost(host, 'not a valid HOST:PORT')
  }
  if (url.pathname !== '/' && url.pathname !== '') throw invalidHost(host, 'paths are not supported')
  const port = url.port ? Number(url.port) : useTls ? 2376 : 2375
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return { host, hostname, port, hostOption, ...(useTls ? { tls: tlsFor(reg, env) } : {}) }
}
