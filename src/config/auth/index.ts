/** Registry credentials: auth files, Docker config, credential helpers. */
export {
  AUTH_FILE_HELPER,
  type Credentials,
  type CredentialOptions,
  type RepositoryRef,
  decodeAuthEntry,
  getCredentials,
  getCredentialsForKey,
  removeAllCredentials,
  removeCredentials,
  setCredentials,
} from './credentials.js'
export { type AuthEntry, type AuthFileContents, editAuthFile, parseAuthFile, readAuthFile } from './file.js'
export {
  type HelperCredentials,
  helperErase,
  helperGet,
  helperList,
  helperStore,
  isCredentialsNotFoundMessage,
} from './helper.js'
export {
  authKeysForKey,
  DOCKER_HUB_LEGACY_KEY,
  normalizeAuthFileKey,
  normalizeRegistry,
  parseCredentialsKey,
  registryOfKey,
  validateKey,
} from './keys.js'
export {
  type AuthFileOptions,
  type AuthFilePath,
  authFileLookupPaths,
  explicitAuthFile,
  loginAuthFile,
  primaryAuthFile,
} from './paths.js'
