/** kill -9 at every phase of a copy to oci-archive: (test/faults/archive.ts). */
import { archiveKillTest } from './archive.js'

archiveKillTest('oci-archive')
