/** Types of the registry layer that callers above it (transports, CLI) fill in. */

/** How to reach a registry or daemon; from --creds, --tls-verify, --cert-dir, … (one set per side). */
export interface RegistryAccessOptions {
  /** --authfile / --src-authfile / --dest-authfile (or $REGISTRY_AUTH_FILE). */
  authFile?: string
  /** --creds USER[:PASS], or --username with --password. */
  credentials?: { username: string; password: string }
  /** --no-creds: access anonymously, ignoring stored credentials. */
  anonymous?: boolean
  /** --registry-token: used directly as a Bearer token. */
  bearerToken?: string
  /** --cert-dir: *.crt, *.cert, *.key for the registry or daemon. */
  certDir?: string
  /** --tls-verify; undefined = the default from registries.conf (HTTPS, verified). */
  tlsVerify?: boolean
  /** --daemon-host (docker-daemon: only). */
  daemonHost?: string
  /** --dest-precompute-digests (docker destinations). */
  precomputeDigests?: boolean
  /** docker: retries of a registry request (429, 5xx, resets) when no operation budget (`TransportOptions.retry`) is given. Default 3. */
  retryTimes?: number
  /** docker: fixed delay between request retries in ms (--retry-delay); default exponential from 500 ms, or Retry-After. */
  retryDelayMs?: number
  /**
   * docker: milliseconds without a byte from the registry (headers, or between body chunks) before a
   * request counts as stalled and is retried (blob downloads resume with Range). Default
   * $SKIFF_IDLE_TIMEOUT seconds, else 60 s.
   */
  idleTimeoutMs?: number
  /** docker: User-Agent sent to registries; default `skiff/<version>`. */
  userAgent?: string
  /** docker: registries.conf to use (--registries-conf); default $CONTAINERS_REGISTRIES_CONF or the user/system file. */
  registriesConfPath?: string
  /** docker: the registries.d directory (--registries.d): where signatures live; default the user/system one. */
  registriesDirPath?: string
}
