/**
 * containers-storage with the overlay driver (kernel overlayfs, as root): see suite.ts; the tests
 * whose outcome does not depend on the driver run once, in vfs.test.ts.
 */
import { storeSuite } from './suite.js'

storeSuite('overlay', { driverOnly: true })
