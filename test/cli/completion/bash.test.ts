import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { run, withTempDir } from '../../helpers/tools.js'
import { skiff } from '../run-skiff.js'

/** Completes `line` (the cursor at its end) as bash would, with the script sourced. */
async function complete(script: string, line: string, cwd: string): Promise<string[]> {
  const driver = `
source "$1"
COMP_LINE="$2"; COMP_POINT=\${#COMP_LINE}
read -r -a COMP_WORDS <<< "$COMP_LINE"
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
[[ "$COMP_LINE" =~ [[:space:]]$ ]] && { COMP_WORDS+=(""); COMP_CWORD=$(( COMP_CWORD + 1 )); }
_skiff skiff "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`
  const r = await run('bash', ['-c', driver, 'driver', script, line], { cwd })
  assert.equal(r.code, 0, r.stderr)
  return r.stdout.split('\n').filter((x) => x !== '')
}

test('the bash script is valid bash and completes commands, flags, values and transports', async () => {
  await withTempDir(async (dir) => {
    const r = await skiff(['completion', 'bash'])
    assert.equal(r.code, 0, r.stderr)
    const script = join(dir, 'skiff.bash')
    await writeFile(script, r.stdout)
    const syntax = await run('bash', ['-n', script])
    assert.equal(syntax.code, 0, syntax.stderr)
    await mkdir(join(dir, 'layout'))

    assert.deepEqual(await complete(script, 'skiff co', dir), ['copy'])
    assert.deepEqual(await complete(script, 'skiff --debug ins', dir), ['inspect'])
    assert.deepEqual(await complete(script, 'skiff copy --src-tls', dir), ['--src-tls-verify'])
    assert.deepEqual(await complete(script, 'skiff copy --format ', dir), ['oci', 'v2s1', 'v2s2'])
    assert.deepEqual(await complete(script, 'skiff copy --multi-arch=in', dir), ['index-only'])
    assert.deepEqual(await complete(script, 'skiff copy o', dir), ['oci:', 'oci-archive:'])
    assert.deepEqual(await complete(script, 'skiff copy oci:/x:v1 d', dir), [
      'dir:',
      'docker://',
      'docker-archive:',
      'docker-daemon:',
    ])
    // after "oci:" bash replaces only what follows the ':' (COMP_WORDBREAKS)
    assert.deepEqual(await complete(script, 'skiff inspect oci:la', dir), ['layout/'])
    assert.deepEqual(await complete(script, 'skiff completion ', dir), ['bash', 'zsh', 'fish'])
    assert.ok((await complete(script, 'skiff --', dir)).includes('--insecure-policy'))
    assert.ok(
      !(await complete(script, 'skiff --', dir)).includes('--src-creds'),
      'command flags only after the command',
    )
  })
})

test('zsh and fish scripts are generated for every command; unknown shells are refused', async () => {
  const z = await skiff(['completion', 'zsh'])
  assert.equal(z.code, 0, z.stderr)
  assert.match(z.stdout, /^#compdef skiff/)
  assert.match(z.stdout, /'--src-tls-verify\[require HTTPS/)
  assert.match(z.stdout, /copy:Copy an IMAGE-NAME/)
  const zn = await skiff(['completion', '--no-descriptions', 'zsh'])
  assert.ok(!zn.stdout.includes('copy:Copy an IMAGE-NAME'))
  const f = await skiff(['completion', 'fish'])
  assert.equal(f.code, 0, f.stderr)
  assert.match(f.stdout, /complete -c skiff -n __skiff_no_command -a copy -d 'Copy an IMAGE-NAME/)
  assert.match(f.stdout, /-l format -s f -x -a 'oci v2s1 v2s2'/)
  const bad = await skiff(['completion', 'tcsh'])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /unknown shell "tcsh"/)
})
