/**
 * The store across real processes: 20 concurrent writers, stale locks from dead processes, writers killed
 * mid-mutation, and the lock timeout. Children run test/state/child.mjs against the store compiled on its own
 * (src/state and what it imports), so these tests do not depend on the rest of the project building.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateError } from '../../src/errors.js';
import { Store } from '../../src/state/store.js';
import { listFiles, removeTempDirs } from '../helpers/tmp.js';
import { freshHome, storeEnv } from './env.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CHILD = path.join(HERE, 'child.mjs');
const KEY = 'clusters/rg/c.json';
let storeModule = '';
let buildDir = '';

beforeAll(() => {
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aks-wg-state-build-'));
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/typescript/bin/tsc'),
      ...['src/state/store.ts', '--outDir', buildDir, '--rootDir', 'src'],
      ...['--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022'],
      ...['--skipLibCheck', '--types', 'node', '--strict', '--isolatedModules'],
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
  fs.writeFileSync(path.join(buildDir, 'package.json'), '{"type":"module"}\n');
  storeModule = path.join(buildDir, 'state/store.js');
}, 60_000);

afterAll(() => fs.rmSync(buildDir, { recursive: true, force: true }));
afterEach(removeTempDirs);

interface Child {
  pid: number;
  /** Resolves when the child prints READY. */
  ready: Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(): void;
}

function child(home: string, mode: string, id: string | number): Child {
  const proc = spawn(process.execPath, [CHILD, storeModule, home, mode, String(id)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
    proc.on('exit', () => reject(new Error(`child exited before READY: ${stderr}`)));
  });
  ready.catch(() => undefined);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { pid: proc.pid!, ready, exit, kill: () => proc.kill('SIGKILL') };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const proc = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => proc.on('exit', r));
  return proc.pid!;
}

function ids(home: string): string[] {
  return new Store(storeEnv(home)).read<{ ids: string[] }>(KEY)!.ids;
}

test('20 processes doing read-modify-write at once: all 20 ids kept, state parses, no temp or lock files', async () => {
  const home = freshHome();
  const runs = Array.from({ length: 20 }, (_, i) => child(home, 'append', i).exit);
  for (const r of await Promise.all(runs)) expect(r).toEqual({ code: 0, signal: null, stderr: '' });
  const expected = Array.from({ length: 20 }, (_, i) => String(i));
  expect([...ids(home)].sort()).toEqual([...expected].sort());
  expect(listFiles(home)).toEqual([KEY, ...expected.map((i) => `keys/${i}.key`)].sort());
});

test('a lock left by a dead process is recovered once, even with 20 waiters racing for it', async () => {
  const home = freshHome();
  fs.mkdirSync(home, { mode: 0o700 });
  const pid = await deadPid();
  fs.writeFileSync(path.join(home, '.lock'), `${JSON.stringify({ pid, startedAt: 'x', token: 'dead' })}\n`);
  const runs = Array.from({ length: 20 }, (_, i) => child(home, 'append', i).exit);
  for (const r of await Promise.all(runs)) expect(r).toEqual({ code: 0, signal: null, stderr: '' });
  expect(ids(home)).toHaveLength(20);
  expect(listFiles(home).filter((f) => f.startsWith('.'))).toEqual([]);
});

test('stale locks: dead pid, our own pid with a token we do not hold, and an old ownerless lock', async () => {
  const home = freshHome();
  const store = new Store(storeEnv(home), { lockTimeoutMs: 2_000 });
  fs.mkdirSync(home, { mode: 0o700 });
  const lock = path.join(home, '.lock');
  const stale = [
    JSON.stringify({ pid: await deadPid(), startedAt: 'x', token: 'a' }),
    JSON.stringify({ pid: process.pid, startedAt: 'x', token: 'not-ours' }),
    '',
  ];
  for (const [i, body] of stale.entries()) {
    fs.writeFileSync(lock, body);
    if (body === '') fs.utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await store.mutate((tx) => tx.write(KEY, { ids: [String(i)] }));
    expect(ids(home)).toEqual([String(i)]);
    expect(fs.readdirSync(home).filter((f) => f.startsWith('.'))).toEqual([]);
  }
});

test('a live holder makes a waiter give up after the timeout with a StateError naming its pid', async () => {
  const home = freshHome();
  const holder = child(home, 'hang-in-callback', 'h');
  try {
    await holder.ready;
    const started = Date.now();
    const p = new Store(storeEnv(home), { lockTimeoutMs: 300 }).mutate((tx) => tx.write('x.json', 1));
    await expect(p).rejects.toThrow(StateError);
    await expect(p).rejects.toThrow(
      new RegExp(
        `^state is locked by process ${holder.pid} \\(since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); gave up after 0\\.3 s\\. ` +
          `If no aks-wg command is running, remove ${path.join(home, '.lock').replace(/[.]/g, '\\.')}$`,
      ),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  } finally {
    holder.kill();
    await holder.exit;
  }
});

describe('a writer killed mid-mutation (SIGKILL)', () => {
  test.each(['hang-before-rename', 'hang-in-callback'])(
    '%s: previous state intact, the next mutation recovers the lock and cleans up',
    async (mode) => {
      const home = freshHome();
      const store = new Store(storeEnv(home), { lockTimeoutMs: 5_000 });
      await store.mutate((tx) => tx.write(KEY, { ids: ['before'] }));
      const before = fs.readFileSync(path.join(home, KEY), 'utf8');

      const writer = child(home, mode, 'killed');
      await writer.ready;
      const leftovers = listFiles(home).filter((f) => path.posix.basename(f).startsWith('.'));
      expect(leftovers).toContain('.lock');
      // Killed between temp write and rename, the temp file of the key is there (renamed first); the document's too.
      if (mode === 'hang-before-rename') expect(leftovers.filter((f) => f.includes('.tmp-'))).toHaveLength(2);
      writer.kill();
      expect((await writer.exit).signal).toBe('SIGKILL');

      expect(fs.readFileSync(path.join(home, KEY), 'utf8')).toBe(before);
      expect(ids(home)).toEqual(['before']);
      await store.mutate((tx) => {
        const doc = tx.read<{ ids: string[] }>(KEY)!;
        tx.write(KEY, { ids: [...doc.ids, 'after'] });
      });
      expect(ids(home)).toEqual(['before', 'after']);
      expect(listFiles(home)).toEqual([KEY]);
    },
  );
});

test('killed after its fresh files are in place, before the document: the previous state loads; the next writer replaces them', async () => {
  const home = freshHome();
  const store = new Store(storeEnv(home), { lockTimeoutMs: 5_000 });
  await store.mutate((tx) => tx.write(KEY, { ids: ['before'] }));
  const writer = child(home, 'fresh-hang-before-rename', '7');
  await writer.ready;
  // the key file is already in place (no temp file of its own); only the document waits for its rename
  expect(listFiles(home).filter((f) => f.includes('.tmp-'))).toHaveLength(1);
  writer.kill();
  expect((await writer.exit).signal).toBe('SIGKILL');
  expect(ids(home)).toEqual(['before']);
  expect(listFiles(home).filter((f) => !path.posix.basename(f).startsWith('.'))).toEqual([KEY, 'keys/7.key']); // no document names it
  expect((await child(home, 'fresh-append', '7').exit).code).toBe(0);
  expect(ids(home)).toEqual(['before', '7']);
  expect(listFiles(home)).toEqual([KEY, 'keys/7.key']);
  expect(new Store(storeEnv(home)).readBytes('keys/7.key')).toEqual(new Uint8Array(32).fill(7));
});
