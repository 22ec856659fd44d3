/** containers-storage with the overlay driver (kernel overlayfs, as root): see suite.ts. */
import { storeSuite } from './suite.js'

storeSuite('overlay')
