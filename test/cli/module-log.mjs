// Preloaded with `node --import`: registers module-log-hooks.mjs before the program's own imports.
import { register } from 'node:module';

register('./module-log-hooks.mjs', import.meta.url);
