// Test-only preload (`node --import THIS …`): registers lazy-hooks.mjs.
import { register } from 'node:module'

register('./lazy-hooks.mjs', import.meta.url)
