/**
 * Who may import whom (STYLE.md), checked over every src/**\/*.ts with the TypeScript parser, so comments and
 * strings never count and `import type` is told apart from an import that runs:
 *
 *  1. Side effects live in src/platform/: only there may code import a Node built-in (node:path is pure and allowed
 *     everywhere; a type-only import loads nothing and is allowed everywhere), or touch `process`, `Date.now()`,
 *     `new Date()`, `performance.now()`, `Math.random()`, web crypto's randomness, or the timers.
 *  2. commander, chalk and ora (value imports) only in src/cli/; sodium-native (a native addon) only in src/platform/.
 *  3. src/wireguard/ imports only @noble/*, ../platform/types.js, ../net/* and its siblings, and has no Buffer or Date; src/aks/ imports
 *     only ../errors.js and its siblings — type imports included. So neither imports the other, nor node:*, nor yaml.
 *
 *  4. The layers: each folder imports only from the folders below it in LAYERS (the files directly in src/ are the
 *     lowest), type imports and dynamic imports included, and no two files import each other, directly or round a
 *     cycle. There are no exceptions (issue 11 removed the last back-edge), and a strict order of folders also rules
 *     out a cycle between folders. Document keys and their load/save live in src/repo/: no folder below it imports src/state/ (the store), type imports included.
 *
 * Rule 3 for src/wireguard was test/wireguard/boundaries.test.ts; it lives here now, with the other directories.
 *
 * A file that needs an exception gets an entry in ALLOWANCES with its reason; an allowance that no longer matches
 * anything fails too, so the list only shrinks.
 */
import { describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import ts from 'typescript';

interface Allowance {
  file: string;
  /** The import specifier or global use as the violations below spell it. */
  use: string;
  reason: string;
}

/** Documented exceptions: none today. Each entry: the file (relative to src/), what it uses, one line of why. */
const ALLOWANCES: readonly Allowance[] = [];

/** The folders of src/, lowest first ('' is the files directly in src/: errors.ts and the like). */
const LAYERS = ['', 'platform', 'net', 'state', 'wireguard', 'wg-host', 'aks', 'cluster', 'fabric', 'lab', 'cilium', 'analysis', 'import', 'repo', 'commands', 'cli'] as const;

const SRC = path.resolve('src');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

interface Use {
  /** An import specifier, or a global such as `process.` or `Date.now()`. */
  use: string;
  kind: 'import' | 'global';
  typeOnly: boolean;
  line: number;
}

const TIMERS = new Set(['setTimeout', 'setInterval', 'setImmediate']);
const CLOCK_AND_RANDOM: Record<string, ReadonlySet<string>> = {
  Date: new Set(['now']),
  Math: new Set(['random']),
  performance: new Set(['now', 'timeOrigin', 'mark', 'measure']),
  crypto: new Set(['getRandomValues', 'randomUUID']),
};

/** Every import (static, dynamic, re-export, `import('x').T`) and every side-effecting global a file uses. */
function usesOf(file: string): Use[] {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: Use[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const imp = (n: ts.Node, spec: ts.Node | undefined, typeOnly: boolean) => {
    if (spec && ts.isStringLiteralLike(spec)) out.push({ use: spec.text, kind: 'import', typeOnly, line: line(n) });
  };
  const global = (n: ts.Node, use: string) => out.push({ use, kind: 'global', typeOnly: false, line: line(n) });
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) {
      const c = n.importClause;
      // `import { type A, type B }` is elided like `import type` (no verbatimModuleSyntax); `import 'x'` runs x
      const allTypes = !!c && !c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly);
      imp(n, n.moduleSpecifier, !!c && (c.isTypeOnly || allTypes));
    } else if (ts.isExportDeclaration(n)) {
      imp(n, n.moduleSpecifier, n.isTypeOnly);
    } else if (ts.isImportTypeNode(n)) {
      const arg = n.argument;
      if (ts.isLiteralTypeNode(arg)) imp(n, arg.literal, true);
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      imp(n, n.moduleReference.expression, n.isTypeOnly);
    } else if (ts.isCallExpression(n)) {
      const callee = n.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) imp(n, n.arguments[0], false);
      else if (ts.isIdentifier(callee) && TIMERS.has(callee.text)) global(n, `${callee.text}(`);
      else if (ts.isIdentifier(callee) && callee.text === 'Date') global(n, 'Date()');
    } else if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'Date') {
      // new Date(t) only formats a time it was given: a pure directory's concern (below), not a side effect
      global(n, (n.arguments?.length ?? 0) === 0 ? 'new Date()' : 'new Date(t)');
    } else if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) {
      const target = n.expression;
      const name = ts.isPropertyAccessExpression(n) ? n.name.text : ts.isStringLiteralLike(n.argumentExpression) ? n.argumentExpression.text : '';
      // globalThis.process, globalThis.setTimeout, ...
      if (ts.isIdentifier(target) && target.text === 'globalThis') {
        if (name === 'process' || TIMERS.has(name)) global(n, name === 'process' ? 'process.' : `${name}(`);
      } else if (ts.isIdentifier(target)) {
        if (target.text === 'process') global(n, 'process.');
        else if (CLOCK_AND_RANDOM[target.text]?.has(name)) global(n, `${target.text}.${name}${name === 'timeOrigin' ? '' : '('}`);
      }
    } else if (ts.isIdentifier(n) && n.text === 'Buffer') {
      out.push({ use: 'Buffer', kind: 'global', typeOnly: false, line: line(n) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (spec: string) => spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]!);
const PURE_BUILTINS = new Set(['node:path', 'path']);
const CLI_ONLY = /^(commander|chalk|ora)(\/|$)/;
const PLATFORM_ONLY = /^sodium-native(\/|$)/;

/** Why `use` may not appear in `file` (relative to src/, with forward slashes), or undefined when it may. */
function violation(file: string, u: Use): string | undefined {
  const dir = file.split('/')[0]!;
  if (dir === 'wireguard' && u.kind === 'import') {
    const ok = u.use.startsWith('@noble/') || u.use === '../platform/types.js' || /^\.\.\/net\/[a-z0-9-]+\.js$/.test(u.use) || /^\.\/[a-z0-9-]+\.js$/.test(u.use);
    if (!ok) return 'src/wireguard imports only @noble/*, ../platform/types.js, ../net/* and its own files';
  }
  if (dir === 'aks' && u.kind === 'import') {
    const ok = u.use === '../errors.js' || /^\.\/[a-z0-9-]+\.js$/.test(u.use);
    if (!ok) return 'src/aks imports only ../errors.js and its own files';
  }
  if (dir === 'wireguard' && (u.use === 'Buffer' || u.use === 'new Date(t)')) return 'src/wireguard works on Uint8Array and its own TAI64N, not Node Buffers or Date';
  if (u.use === 'Buffer' || u.use === 'new Date(t)') return undefined;
  if (dir === 'platform') return undefined;
  if (PLATFORM_ONLY.test(u.use) && !u.typeOnly) return 'only src/platform loads sodium-native (a native addon)';
  if (u.kind === 'global') return 'only src/platform touches the process, the clock, timers or OS randomness';
  if (isBuiltin(u.use) && !PURE_BUILTINS.has(u.use) && !u.typeOnly) return 'only src/platform imports Node built-ins (node:path and type-only imports excepted)';
  if (CLI_ONLY.test(u.use) && dir !== 'cli' && !u.typeOnly) return 'only src/cli imports commander, chalk and ora';
  return undefined;
}

const files = sourceFiles(SRC).map((f) => path.relative(SRC, f).split(path.sep).join('/'));
const found = files.flatMap((file) => usesOf(path.join(SRC, file)).map((u) => ({ file, u, why: violation(file, u) })));

describe('import boundaries of src/', () => {
  test('the checker sees the uses it must judge', () => {
    // guards against a parser change silently finding nothing
    const uses = (file: string) => found.filter((f) => f.file === file).map((f) => f.u.use);
    expect(uses('platform/thread-pool.ts')).toEqual(expect.arrayContaining(['node:fs', 'node:os', 'node:worker_threads']));
    expect(uses('platform/process.ts').some((u) => u === 'process.')).toBe(true);
    expect(uses('cli/ui.ts')).toContain('chalk');
    expect(found.find((f) => f.file === 'state/store.ts' && f.u.use === 'node:fs')?.u.typeOnly).toBe(true);
    expect(violation('analysis/x.ts', { use: 'node:fs', kind: 'import', typeOnly: false, line: 1 })).toBeDefined();
    expect(violation('commands/x.ts', { use: 'chalk', kind: 'import', typeOnly: false, line: 1 })).toBeDefined();
    expect(violation('fabric/x.ts', { use: 'sodium-native', kind: 'import', typeOnly: false, line: 1 })).toBeDefined();
    expect(violation('platform/x.ts', { use: 'sodium-native', kind: 'import', typeOnly: false, line: 1 })).toBeUndefined();
    expect(violation('aks/x.ts', { use: '../wireguard/keys.js', kind: 'import', typeOnly: true, line: 1 })).toBeDefined();
    expect(violation('wireguard/x.ts', { use: '../aks/model.js', kind: 'import', typeOnly: true, line: 1 })).toBeDefined();
    expect(violation('wireguard/x.ts', { use: 'Buffer', kind: 'global', typeOnly: false, line: 1 })).toBeDefined();
  });

  test.each(files)('src/%s', (file) => {
    const bad = found
      .filter((f) => f.file === file && f.why !== undefined && !ALLOWANCES.some((a) => a.file === file && a.use === f.u.use))
      .map((f) => `src/${file}:${f.u.line}: ${f.u.use}${f.u.typeOnly ? ' (type)' : ''} — ${f.why}`);
    expect(bad).toEqual([]);
  });

  test('every allowance is still needed and says why', () => {
    for (const a of ALLOWANCES) {
      expect([a.file, a.use, a.reason.length > 0]).toEqual([a.file, a.use, true]);
      expect(found.some((f) => f.file === a.file && f.u.use === a.use && f.why !== undefined)).toBe(true);
    }
  });
});

/** Every relative import of every file: importer → imported, both relative to src/. */
const edges: { file: string; imports: string; line: number }[] = files.flatMap((file) =>
  usesOf(path.join(SRC, file))
    .filter((u) => u.kind === 'import' && u.use.startsWith('.'))
    .map((u) => ({ file, imports: path.posix.normalize(path.posix.join(path.posix.dirname(file), u.use)).replace(/\.js$/, '.ts'), line: u.line })),
);

const layerOf = (file: string): number => LAYERS.indexOf((file.includes('/') ? file.split('/')[0]! : '') as (typeof LAYERS)[number]);

describe('layers of src/', () => {
  test('every folder of src/ has its place in LAYERS', () => {
    const dirs = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(dirs.filter((d) => !LAYERS.includes(d as (typeof LAYERS)[number]))).toEqual([]);
  });

  test('the checker sees dynamic and type imports', () => {
    expect(edges.some((e) => e.file === 'cli/registry.ts' && e.imports.startsWith('commands/'))).toBe(true);
    expect(edges.some((e) => e.file === 'fabric/shard.ts' && e.imports === 'cluster/workloads.ts')).toBe(true);
  });

  test('each folder imports only from the folders below it', () => {
    const up = edges
      .filter((e) => layerOf(e.imports) > layerOf(e.file))
      .map((e) => `src/${e.file}:${e.line} imports src/${e.imports}`);
    expect(up).toEqual([]);
  });

  test('document I/O lives in repo/: no folder below it imports the store', () => {
    const repo = LAYERS.indexOf('repo');
    expect(edges.some((e) => e.file === 'repo/cluster.ts' && e.imports === 'state/store.ts')).toBe(true);
    const io = edges
      .filter((e) => e.imports.startsWith('state/') && !e.file.startsWith('state/') && layerOf(e.file) < repo)
      .map((e) => `src/${e.file}:${e.line} imports src/${e.imports}`);
    expect(io).toEqual([]);
  });

  test('no file imports itself round a cycle', () => {
    const out = new Map<string, string[]>();
    for (const e of edges) out.set(e.file, [...(out.get(e.file) ?? []), e.imports]);
    // Tarjan's strongly connected components: a component of more than one file is a cycle
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      for (const w of out.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const comp: string[] = [];
        for (let w = stack.pop()!; ; w = stack.pop()!) {
          onStack.delete(w);
          comp.push(w);
          if (w === v) break;
        }
        if (comp.length > 1) cycles.push(comp.sort());
      }
    };
    for (const f of files) if (!index.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });
});
