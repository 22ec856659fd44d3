/** Shared setup for the auth tests: a fake HOME / XDG_RUNTIME_DIR in a temp dir, and a real credential helper script. */
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export interface AuthTestEnv {
  env: NodeJS.ProcessEnv
  home: string
  run: string
  /** The helper's store directory and call log. */
  store: string
  log: string
}

/** HOME, XDG_RUNTIME_DIR (created) and a PATH with `dir/bin` first; nothing from the real home leaks in. */
export async function makeEnv(dir: string): Promise<AuthTestEnv> {
  const home = join(dir, 'home')
  const run = join(dir, 'run')
  const store = join(dir, 'store')
  await mkdir(home, { recursive: true })
  await mkdir(run, { recursive: true })
  await mkdir(store, { recursive: true })
  await mkdir(join(dir, 'bin'), { recursive: true })
  const log = join(dir, 'helper.log')
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    XDG_RUNTIME_DIR: run,
    PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HELPER_STORE: store,
    HELPER_LOG: log,
  }
  return { env, home, run, store, log }
}

export async function writeJson(path: string, doc: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, JSON.stringify(doc))
}

export function b64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64')
}

/**
 * A real docker-credential-<name> following the docker-credential-helpers protocol: one file per
 * server URL in $HELPER_STORE, every call appended to $HELPER_LOG as "action serverURL".
 */
export async function installHelper(dir: string, name = 'testhelper'): Promise<string> {
  const path = join(dir, 'bin', `docker-credential-${name}`)
  const script = `#!/bin/sh
set -e
action="$1"
input=$(cat)
key() { printf %s "$1" | od -An -tx1 | tr -d ' \\n'; }
case "$action" in
get|erase) url="$input" ;;
store) url=$(printf %s "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p') ;;
list) url="" ;;
*) echo "unknown action $action"; exit 1 ;;
esac
printf '%s %s\\n' "$action" "$url" >> "$HELPER_LOG"
f="$HELPER_STORE/$(key "$url")"
case "$action" in
get) if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
store) printf %s "$input" > "$f" ;;
erase) if [ -f "$f" ]; then rm "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
list)
  printf '{'; sep=''
  for g in "$HELPER_STORE"/*; do
    [ -f "$g" ] || continue
    u=$(sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p' "$g"); n=$(sed -n 's/.*"Username":"\\([^"]*\\)".*/\\1/p' "$g")
    printf '%s"%s":"%s"' "$sep" "$u" "$n"; sep=','
  done
  printf '}' ;;
esac
`
  await writeFile(path, script)
  await chmod(path, 0o755)
  return path
}
