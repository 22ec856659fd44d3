/**
 * TLS for registry connections: the material comes from src/config/certs.ts (--cert-dir or
 * certs.d); this file recognizes TLS failures so they can be reported as such.
 */
import { causeChain } from '../errors.js'
import type { TlsMaterial as CertsMaterial } from '../config/certs.js'

export type TlsMaterial = Pick<CertsMaterial, 'ca' | 'cert' | 'key'>

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
])

/** The TLS error code in an error chain, if the failure was a TLS one. */
export function tlsErrorCode(e: unknown): string | undefined {
  for (const x of causeChain(e)) {
    const c = (x as { code?: unknown }).code
    if (typeof c === 'string' && (TLS_CODES.has(c) || c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'))) return c
  }
  return undefined
}
