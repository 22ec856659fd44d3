/** An isolated environment for CLI runs against test registries: no credentials, config or cache of the machine. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface IsolatedEnv {
  env: NodeJS.ProcessEnv
  /** Where `login` writes without --authfile: ${XDG_RUNTIME_DIR}/containers/auth.json. */
  authFile: string
}

export async function isolatedEnv(dir: string): Promise<IsolatedEnv> {
  const run = join(dir, 'run')
  await mkdir(run, { recursive: true })
  const conf = join(dir, 'registries.conf')
  await writeFile(conf, '')
  const env: NodeJS.ProcessEnv = {
    HOME: join(dir, 'home'),
    XDG_RUNTIME_DIR: run,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    DOCKER_CONFIG: '',
    REGISTRY_AUTH_FILE: '',
    CONTAINERS_REGISTRIES_CONF: conf,
  }
  return { env, authFile: join(run, 'containers', 'auth.json') }
}
