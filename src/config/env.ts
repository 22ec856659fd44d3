/**
 * The process environment as the config readers see it. Every reader takes `env` (default
 * process.env) so tests and library users can point HOME, XDG_* and DOCKER_CONFIG elsewhere.
 */
import { homedir } from 'node:os'

export interface ConfigEnvOptions {
  /** Environment to read HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME, DOCKER_CONFIG, PATH … from (default process.env). */
  env?: NodeJS.ProcessEnv
}

export function envOf(opts: ConfigEnvOptions | undefined): NodeJS.ProcessEnv {
  return opts?.env ?? process.env
}

/** $HOME, else the account's home directory (as containers/storage's homedir.Get). */
export function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir()
}

/** $XDG_CONFIG_HOME, else ~/.config. */
export function xdgConfigHome(env: NodeJS.ProcessEnv): string {
  return env.XDG_CONFIG_HOME || `${homeDir(env)}/.config`
}
