/**
 * bin/aks-wg, `npm start` (scripts/) and `npm run bench` load the build (dist/) by path, outside TypeScript's sight: a
 * module renamed or removed in src/ breaks them only when someone runs them (bench/sections/70-lab.js imported a
 * backend that issue 13 had deleted). This reads every such script's imports of dist/ and checks that each module has
 * a source file and exports every name the script takes. The global setup builds dist/ before the tests run.
 */
import { describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The scripts that run from the build: bench/ and scripts/ (*.js) and bin/ (every file). */
function scripts(dir: string, any = false): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? scripts(path.join(dir, e.name), any) : any || e.name.endsWith('.js') ? [path.join(dir, e.name)] : []));
}

const SCRIPTS = [...scripts(path.resolve('bench')), ...scripts(path.resolve('scripts')), ...scripts(path.resolve('bin'), true)];

interface DistImport {
  script: string;
  module: string;
  names: string[];
}

/** `import { a, b as c } from '…/dist/x.js'` and `'dist/x.js'` paths handed to children, as dist/-relative modules. */
function distImports(script: string): DistImport[] {
  const text = fs.readFileSync(script, 'utf8');
  const found: DistImport[] = [];
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']*\/dist\/[^']+)'/g)) {
    const names = m[1]!
      .split(',')
      .map((n) => n.trim().split(/\s+as\s+/)[0]!.trim())
      .filter((n) => n.length > 0);
    found.push({ script, module: path.resolve(path.dirname(script), m[2]!), names });
  }
  for (const m of text.matchAll(/'(dist\/[^']+\.js)'/g)) found.push({ script, module: path.resolve(m[1]!), names: [] });
  return found;
}

describe('scripts that run from dist/', () => {
  const imports = SCRIPTS.flatMap(distImports);

  test('find their imports of the build', () => {
    expect(imports.length).toBeGreaterThan(5);
  });

  test.each(imports.map((i) => [path.relative('.', i.script), path.relative('.', i.module), i] as const))(
    '%s loads %s with the names it imports',
    async (_script, _module, i) => {
      // built from a source file today (a stale dist/ file of a deleted module does not count)
      const source = path.resolve('src', path.relative(path.resolve('dist'), i.module)).replace(/\.js$/, '.ts');
      expect([source, fs.existsSync(source)]).toEqual([source, true]);
      const mod = (await import(pathToFileURL(i.module).href)) as Record<string, unknown>;
      for (const name of i.names) expect([name, mod[name] !== undefined]).toEqual([name, true]);
    },
  );
});
