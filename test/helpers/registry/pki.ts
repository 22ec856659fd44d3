/**
 * Test certificates made with the openssl CLI: a CA per test, server certificates for 127.0.0.1
 * (IP SAN, plus DNS localhost) and client certificates. EC P-256 keys: fast to generate.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

const execFileP = promisify(execFile)

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileP('openssl', args, { cwd })
  } catch (e) {
    const err = e as { stderr?: string; message: string }
    throw new Error(`openssl ${args[0]} failed: ${(err.stderr ?? err.message).trim()}`, { cause: e })
  }
}

export interface CertificateAuthority {
  certPath: string
  keyPath: string
}

export interface KeyPair {
  certPath: string
  keyPath: string
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** A self-signed CA (CA:TRUE, keyCertSign) as `<name>.crt` / `<name>.key` in `dir`. */
export async function createCa(dir: string, name = 'ca', commonName = 'skiff test CA'): Promise<CertificateAuthority> {
  await mkdir(dir, { recursive: true })
  const certPath = join(dir, `${name}.crt`)
  const keyPath = join(dir, `${name}.key`)
  await openssl(
    [
      'req',
      '-x509',
      ...KEY,
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      `/CN=${commonName} ${randomBytes(4).toString('hex')}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    dir,
  )
  return { certPath, keyPath }
}

/**
 * A leaf certificate signed by `ca`: `server` ones carry subjectAltName IP:127.0.0.1 and
 * DNS:localhost; `client` ones carry extendedKeyUsage clientAuth.
 */
export async function issueCert(
  ca: CertificateAuthority,
  dir: string,
  name: string,
  kind: 'server' | 'client',
  certExt = 'crt',
): Promise<KeyPair> {
  await mkdir(dir, { recursive: true })
  const keyPath = join(dir, `${name}.key`)
  const certPath = join(dir, `${name}.${certExt}`)
  const csr = join(dir, `${name}.csr`)
  const ext = join(dir, `${name}.ext`)
  await openssl(
    [
      'req',
      '-new',
      ...KEY,
      '-keyout',
      keyPath,
      '-out',
      csr,
      '-subj',
      kind === 'server' ? '/CN=127.0.0.1' : '/CN=skiff-test-client',
    ],
    dir,
  )
  await writeFile(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${kind === 'server' ? 'serverAuth' : 'clientAuth'}`,
      ...(kind === 'server' ? ['subjectAltName=IP:127.0.0.1,DNS:localhost'] : []),
      '',
    ].join('\n'),
  )
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
      '-set_serial',
      '0x' + randomBytes(8).toString('hex'),
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      certPath,
    ],
    dir,
  )
  await rm(csr, { force: true })
  await rm(ext, { force: true })
  return { certPath, keyPath }
}

/** A self-signed certificate for signing tokens (its public key is what distribution trusts). */
export async function createSigningCert(dir: string, name = 'token-signer'): Promise<KeyPair> {
  const ca = await createCa(dir, name, 'skiff test token issuer')
  return ca
}

/**
 * Lays out a containers-certs.d(5) directory `<base>/<host>/` holding the files of `certDir`
 * (`*.crt` CAs, `*.cert`/`*.key` client pairs). Returns the host directory.
 */
export async function writeCertsD(base: string, host: string, files: string[]): Promise<string> {
  const dir = join(base, host)
  await mkdir(dir, { recursive: true })
  for (const f of files) await copyFile(f, join(dir, f.slice(f.lastIndexOf('/') + 1)))
  return dir
}
