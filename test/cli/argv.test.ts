import { test } from 'node:test'
import assert from 'node:assert/strict'
import { normalizeArgv } from '../../src/cli/argv.js'
import { flagTable, type FlagSpec } from '../../src/cli/flags.js'

const global: FlagSpec[] = [
  { name: 'debug', kind: 'bool', help: '' },
  { name: 'policy', kind: 'string', help: '' },
]
const copy: FlagSpec[] = [
  { name: 'all', short: 'a', kind: 'bool', help: '' },
  { name: 'quiet', short: 'q', kind: 'bool', help: '' },
  { name: 'format', short: 'f', kind: 'string', help: '' },
  { name: 'src-tls-verify', kind: 'bool', help: '' },
  { name: 'src-no-creds', kind: 'bool', help: '' },
]
const lookup = { global: flagTable(global), command: (n: string) => (n === 'copy' ? flagTable(copy) : undefined) }
const norm = (...a: string[]) => normalizeArgv(a, lookup)

test('booleans get an attached value; a following argument is never taken as one', () => {
  assert.deepEqual(norm('copy', '--src-tls-verify', 'false', 'b').argv, ['copy', '--src-tls-verify=true', 'false', 'b'])
  assert.deepEqual(norm('copy', '--src-tls-verify=false', 'a', 'b').argv, ['copy', '--src-tls-verify=false', 'a', 'b'])
  assert.deepEqual(norm('copy', '--src-tls-verify=0').argv, ['copy', '--src-tls-verify=false'])
  assert.throws(() => norm('copy', '--src-tls-verify=maybe'), /strconv.ParseBool/)
})

test('shorthand groups and attached values expand to long flags', () => {
  assert.deepEqual(norm('copy', '-aq', 'x').argv, ['copy', '--all=true', '--quiet=true', 'x'])
  assert.deepEqual(norm('copy', '-foci').argv, ['copy', '--format', 'oci'])
  assert.deepEqual(norm('copy', '-f=oci').argv, ['copy', '--format', 'oci'])
  assert.deepEqual(norm('copy', '-f', 'oci').argv, ['copy', '--format', 'oci'])
  assert.deepEqual(norm('copy', '-qf', 'v2s2').argv, ['copy', '--quiet=true', '--format', 'v2s2'])
  assert.deepEqual(norm('copy', '-a=false').argv, ['copy', '--all=false'])
})

test('a value flag keeps its next token as is, and the command is found after global values', () => {
  assert.deepEqual(norm('--policy', 'copy', 'copy', '--format', '--all').argv, [
    '--policy',
    'copy',
    'copy',
    '--format',
    '--all',
  ])
  assert.equal(norm('--policy', 'p.json', 'copy', 'a').command, 'copy')
  assert.deepEqual(norm('--debug', 'copy').argv, ['--debug=true', 'copy'])
})

test('unknown flags, -h and everything after -- pass through', () => {
  assert.deepEqual(norm('copy', '--bogus', '-h', '-x').argv, ['copy', '--bogus', '-h', '-x'])
  assert.deepEqual(norm('copy', '--', '--all').argv, ['copy', '--', '--all'])
})
