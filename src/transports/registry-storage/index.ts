/** registry-storage: docker/distribution's filesystem storage; what sync and the library use. */
export { registryStorageTransport, registryStorageRef, RegistryStorageReference } from './transport.js'
export type { StorageSelector } from './types.js'
export { listRepositories, listStoreTags, registryStorageImages } from './catalog.js'
