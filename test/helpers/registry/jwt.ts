/**
 * JWTs as distribution 2.8 verifies them (registry/auth/token, libtrust): ES256 signature in JWS
 * (raw R||S) form, an `x5c` header carrying the signing certificate, which must chain to a
 * certificate of `auth.token.rootcertbundle`; claims iss/aud checked against the config.
 */
import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'

export interface ResourceAccess {
  type: string
  name: string
  actions: string[]
}

export interface TokenClaims {
  iss: string
  sub: string
  aud: string
  exp: number
  nbf: number
  iat: number
  jti: string
  access: ResourceAccess[]
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url')
}

export class JwtSigner {
  private readonly key: KeyObject
  private readonly x5c: string[]

  constructor(keyPath: string, certPath: string) {
    this.key = createPrivateKey(readFileSync(keyPath))
    const pem = readFileSync(certPath, 'utf8')
    const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)
    if (!m) throw new Error(`no certificate in ${certPath}`)
    this.x5c = [m[1]!.replace(/\s+/g, '')]
  }

  sign(claims: Omit<TokenClaims, 'jti'> & { jti?: string }): string {
    const header = { typ: 'JWT', alg: 'ES256', x5c: this.x5c }
    const payload = { jti: randomBytes(12).toString('hex'), ...claims }
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
    const sig = sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' })
    return `${input}.${b64url(sig)}`
  }
}

/** Decodes (without verifying) a JWT's claims: for assertions in tests. */
export function decodeJwtClaims(token: string): TokenClaims {
  const part = token.split('.')[1]
  if (!part) throw new Error('not a JWT')
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as TokenClaims
}
