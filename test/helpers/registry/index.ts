/** Real registries, token servers and fault-injecting proxies for tests (see README.md). */
export {
  startRegistry,
  REGISTRY_BINARY,
  type Registry,
  type RegistryOptions,
  type RegistryTlsOptions,
} from './registry.js'
export {
  startTokenServer,
  grant,
  parseScope,
  type AccessTable,
  type TokenServer,
  type TokenServerOptions,
  type TokenRequest,
  type TokenUser,
} from './token-server.js'
export {
  startProxy,
  type ProxyBehaviour,
  type ProxyEntry,
  type RedirectEntry,
  type RegistryProxy,
  type RequestMatcher,
  type Fault,
} from './proxy.js'
export { parseAccessLogLine, readAccessLog, type AccessLogEntry } from './access-log.js'
export { createCa, issueCert, writeCertsD, type CertificateAuthority, type KeyPair } from './pki.js'
export { decodeJwtClaims, type TokenClaims, type ResourceAccess } from './jwt.js'
export { writeHtpasswd } from './htpasswd.js'
export { freePort, LOOPBACK } from './ports.js'
