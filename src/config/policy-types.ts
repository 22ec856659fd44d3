/** The model of a parsed policy.json (config/policy-parse.ts); evaluating it is src/policy/. */

/** What parsePolicy needs of a transport: its check of a policy.json scope (throws when invalid). */
export interface PolicyScopeValidator {
  validatePolicyScope(scope: string): void
}

/** What an image's signatures must claim about its identity (containers-policy.json(5) signedIdentity). */
export type SignedIdentity =
  | { type: 'matchExact' }
  | { type: 'matchRepoDigestOrExact' }
  | { type: 'matchRepository' }
  | { type: 'exactReference'; dockerReference: string }
  | { type: 'exactRepository'; dockerRepository: string }
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string }

export interface SigstoreFulcio {
  caPath?: string
  caData?: string
  oidcIssuer: string
  subjectEmail: string
}

export interface SigstorePKI {
  caRootsPath?: string
  caRootsData?: string
  caIntermediatesPath?: string
  caIntermediatesData?: string
  subjectEmail?: string
  subjectHostname?: string
}

/** One policy requirement; keyData-like fields hold base64 text as written. */
export type PolicyRequirement =
  | { type: 'insecureAcceptAnything' }
  | { type: 'reject' }
  | {
      type: 'signedBy'
      keyType: 'GPGKeys' | 'signedByGPGKeys' | 'X509Certificates' | 'signedByX509CAs'
      keyPath?: string
      keyPaths?: string[]
      keyData?: string
      signedIdentity: SignedIdentity
    }
  | {
      type: 'sigstoreSigned'
      keyPath?: string
      keyPaths?: string[]
      keyData?: string
      keyDatas?: string[]
      fulcio?: SigstoreFulcio
      pki?: SigstorePKI
      rekorPublicKeyPath?: string
      rekorPublicKeyPaths?: string[]
      rekorPublicKeyData?: string
      rekorPublicKeyDatas?: string[]
      signedIdentity: SignedIdentity
    }
  | { type: 'signedBaseLayer'; baseLayerIdentity: SignedIdentity }

/** A parsed policy.json: the global default and per-transport scopes ("" = the transport's default). */
export interface Policy {
  default: PolicyRequirement[]
  transports: Map<string, Map<string, PolicyRequirement[]>>
}
