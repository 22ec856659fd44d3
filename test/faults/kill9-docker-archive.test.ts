/** kill -9 at every phase of a copy to docker-archive: (test/faults/archive.ts). */
import { archiveKillTest } from './archive.js'

archiveKillTest('docker-archive')
