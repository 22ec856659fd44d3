/**
 * Listing what a registry store holds, from the tree alone: repositories (folders with
 * `_manifests`, as distribution's catalog walk finds them) and their tags (`_manifests/tags/<tag>`
 * with a `current/link`).
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { isNotFound } from '../../errors.js'
import { isValidRepositoryPath, isValidTag } from '../../reference/docker-reference.js'
import { repositoriesRoot, repositoryPath, tagCurrentLinkPath, tagsPath } from './layout.js'

async function dirEntries(path: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    const ents = await readdir(path, { withFileTypes: true })
    return ents.map((e) => ({ name: e.name, isDir: e.isDirectory() }))
  } catch (e) {
    if (isNotFound(e)) return []
    throw e
  }
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Every repository in the store at `root`, sorted. A repository is a folder under `repositories/`
 * holding `_manifests`; folders starting with `_` are never descended into (distribution's rule), so
 * `a` and `a/b` can both be repositories. A missing store lists nothing.
 */
export async function listRepositories(root: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const ents = await dirEntries(dir)
    if (prefix !== '' && ents.some((e) => e.isDir && e.name === '_manifests') && isValidRepositoryPath(prefix))
      out.push(prefix)
    for (const e of ents.sort((a, b) => byCodeUnit(a.name, b.name))) {
      if (!e.isDir || e.name.startsWith('_') || e.name.startsWith('.')) continue
      await walk(join(dir, e.name), prefix === '' ? e.name : `${prefix}/${e.name}`)
    }
  }
  await walk(repositoriesRoot(root), '')
  return out.sort(byCodeUnit)
}

/** The tags of repository `name` (those with a `current/link`), sorted. */
export async function listStoreTags(root: string, name: string): Promise<string[]> {
  const repo = repositoryPath(root, name)
  const out: string[] = []
  for (const e of await dirEntries(tagsPath(repo))) {
    if (!e.isDir || !isValidTag(e.name)) continue
    try {
      if ((await stat(tagCurrentLinkPath(repo, e.name))).isFile()) out.push(e.name)
    } catch (err) {
      if (!isNotFound(err)) throw err
    }
  }
  return out.sort(byCodeUnit)
}

/**
 * Every (repository, tag) in the store, repositories and tags in sorted order; `filter` chooses
 * which to yield (e.g. sync's --images-from list). For `skiff sync --src registry-storage ROOT`.
 */
export async function* registryStorageImages(
  root: string,
  filter?: (name: string, tag: string) => boolean,
): AsyncIterable<{ name: string; tag: string }> {
  for (const name of await listRepositories(root)) {
    for (const tag of await listStoreTags(root, name)) {
      if (!filter || filter(name, tag)) yield { name, tag }
    }
  }
}
