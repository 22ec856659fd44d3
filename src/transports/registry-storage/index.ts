/** registry-storage: docker/distribution's filesystem storage; what sync and the library use. */
export { registryStorageTransport, registryStorageRef, RegistryStorageReference, type StorageSelector } from './transport.js'
export { listRepositories, listStoreTags, registryStorageImages } from './catalog.js'
