/**
 * The store a `containers-storage:` name points at: `[DRIVER@GRAPHROOT+RUNROOT:OPTIONS]` before the
 * image name, parsed as containers/image 5.23's storage transport (ParseReference) and completed as
 * containers/storage 1.43's GetStore does: without a specifier the storage.conf default store; with
 * one, what it leaves out comes from storage.conf's graph root / run root, and a missing driver is
 * the driver the graph root already holds (a non-empty overlay/btrfs/zfs/… folder), else overlay.
 */
import { statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { InvalidReferenceError } from '../../errors.js'
import { loadStoreDefaults, type StorageConfOptions } from '../../config/storage-conf.js'

export interface Store {
  driver: string
  graphRoot: string
  runRoot: string
  options: string[]
}

/** `[driver@graphroot+runroot:opt1,opt2]`, as containers/image's StringWithinTransport prints it. */
export function storeString(s: Store): string {
  const opts = s.options.length > 0 ? `:${s.options.join(',')}` : ''
  return `[${s.driver}@${s.graphRoot}+${s.runRoot}${opts}]`
}

/** `[driver@graphroot]`: the store part of policy identities. */
export function storePolicyString(s: Store): string {
  return `[${s.driver}@${s.graphRoot}]`
}

function invalid(input: string, why = 'invalid reference'): InvalidReferenceError {
  return new InvalidReferenceError(`invalid image name "containers-storage:${input}": ${why}`, {
    image: `containers-storage:${input}`,
  })
}

/** Drivers containers/storage picks when the graph root already has their folder (scanPriorDrivers: vfs never counts). */
const PRIOR_DRIVERS = ['overlay', 'btrfs', 'zfs', 'aufs', 'devicemapper']

function priorDriver(graphRoot: string): string | undefined {
  return PRIOR_DRIVERS.find((d) => {
    try {
      return statSync(resolve(graphRoot, d)).isDirectory()
    } catch {
      return false
    }
  })
}

/**
 * Splits `details` into the store and the rest. Throws InvalidReferenceError with
 * containers/image's reasons ("invalid reference", "path name is not absolute").
 */
export function parseStoreSpec(details: string, conf: StorageConfOptions = {}): { store: Store; rest: string } {
  if (!details.startsWith('[')) {
    const d = loadStoreDefaults(conf)
    const driver = d.driver || priorDriver(d.graphRoot) || 'overlay'
    return { store: { driver, graphRoot: d.graphRoot, runRoot: d.runRoot, options: d.options }, rest: details }
  }
  const close = details.indexOf(']')
  if (close < 1) throw invalid(details)
  let spec = details.slice(1, close)
  const rest = details.slice(close + 1)
  let driver = ''
  const at = spec.indexOf('@')
  if (at === -1) {
    if (spec === '') throw invalid(details)
  } else {
    driver = spec.slice(0, at)
    spec = spec.slice(at + 1)
    if (driver === '' || spec === '') throw invalid(details)
  }
  let options: string[] = []
  const colon = spec.indexOf(':')
  if (colon !== -1) {
    options = spec.slice(colon + 1).split(',')
    spec = spec.slice(0, colon)
  }
  let runRoot = ''
  const plus = spec.indexOf('+')
  if (plus !== -1) {
    runRoot = spec.slice(plus + 1)
    spec = spec.slice(0, plus)
  }
  let graphRoot = spec
  if ((graphRoot !== '' && !isAbsolute(graphRoot)) || (runRoot !== '' && !isAbsolute(runRoot)))
    throw invalid(details, 'path name is not absolute')
  if (graphRoot === '' && runRoot === '')
    throw invalid(details, 'no storage runroot or graphroot specified: missing necessary StoreOptions')
  if (graphRoot === '' || runRoot === '') {
    const d = loadStoreDefaults(conf)
    graphRoot ||= d.graphRoot
    runRoot ||= d.runRoot
  }
  graphRoot = resolve(graphRoot)
  runRoot = resolve(runRoot)
  if (driver === 'overlay2') driver = 'overlay'
  driver ||= priorDriver(graphRoot) ?? 'overlay'
  return { store: { driver, graphRoot, runRoot, options }, rest }
}
