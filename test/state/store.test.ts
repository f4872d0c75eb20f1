import * as fs from 'node:fs';
import * as path from 'node:path';
import { InternalError, StateError } from '../../src/errors.js';
import { jsonErrorPosition } from '../../src/json-position.js';
import { keySegment, PRETTY_LIMIT_BYTES, SCHEMA_VERSION, Store } from '../../src/state/store.js';
import { listFiles, removeTempDirs } from '../helpers/tmp.js';
import { freshHome, storeEnv } from './env.js';

afterEach(removeTempDirs);

const KEY = 'clusters/rg/c.json';
const mode = (p: string): number => fs.statSync(p).mode & 0o777;

function stateErrorOf(fn: () => unknown): StateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StateError);
    return err as StateError;
  }
  throw new Error('expected a StateError');
}

describe('Store: writes, layout and modes', () => {
  test('a document round-trips, wrapped as {schemaVersion, data}', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    expect(store.read(KEY)).toBeUndefined();
    const out = await store.mutate((tx) => {
      tx.write(KEY, { name: 'c', pools: [1, 2] });
      return 'done';
    });
    expect(out).toBe('done');
    expect(store.read(KEY)).toEqual({ name: 'c', pools: [1, 2] });
    const raw = fs.readFileSync(path.join(home, KEY), 'utf8');
    expect(JSON.parse(raw)).toEqual({ schemaVersion: SCHEMA_VERSION, data: { name: 'c', pools: [1, 2] } });
    expect(raw.startsWith('{\n  "schemaVersion": 1,\n  "data": {')).toBe(true); // small docs are indented
  });

  test('state dir and subdirs are 0700, files 0600, nothing else left behind', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await store.mutate((tx) => {
      tx.write(KEY, { a: 1 });
      tx.writeBytes('keys/rg/c/node-0.key', new Uint8Array(32).fill(7));
    });
    expect(mode(home)).toBe(0o700);
    for (const d of ['clusters', 'clusters/rg', 'keys', 'keys/rg', 'keys/rg/c']) expect(mode(path.join(home, d))).toBe(0o700);
    expect(mode(path.join(home, KEY))).toBe(0o600);
    expect(mode(path.join(home, 'keys/rg/c/node-0.key'))).toBe(0o600);
    expect(listFiles(home)).toEqual(['clusters/rg/c.json', 'keys/rg/c/node-0.key']);
    expect(store.readBytes('keys/rg/c/node-0.key')).toEqual(new Uint8Array(32).fill(7));
  });

  test('an existing state dir with a looser mode is tightened to 0700', async () => {
    const home = freshHome();
    fs.mkdirSync(home, { mode: 0o755 });
    fs.chmodSync(home, 0o755);
    await new Store(storeEnv(home)).mutate((tx) => tx.write('a.json', 1));
    expect(mode(home)).toBe(0o700);
  });

  test('replacing a document leaves the new version whole and no temp files', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await store.mutate((tx) => tx.write(KEY, { v: 1 }));
    await store.mutate((tx) => tx.write(KEY, { v: 2 }));
    expect(store.read(KEY)).toEqual({ v: 2 });
    expect(listFiles(home)).toEqual([KEY]);
  });

  test('a big document is written compact and reads back whole (its load time is a bench figure, 10-cluster)', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    const nodes = Array.from({ length: 5000 }, (_, i) => ({
      name: `aks-nodepool${i % 5}-12345678-vmss${i.toString(36).padStart(6, '0')}`,
      ip: `10.224.${i >> 8}.${i & 255}`,
      podCidr: `10.244.${i % 256}.0/24`,
      labels: { 'kubernetes.azure.com/agentpool': `nodepool${i % 5}`, 'kubernetes.io/os': 'linux' },
      publicKey: 'x'.repeat(44),
      allowedIps: [`10.244.${i % 256}.0/24`, `10.224.${i >> 8}.${i & 255}/32`],
    }));
    await store.mutate((tx) => tx.write(KEY, { nodes }));
    const size = fs.statSync(path.join(home, KEY)).size;
    expect(size).toBeGreaterThan(PRETTY_LIMIT_BYTES);
    expect(fs.readFileSync(path.join(home, KEY), 'utf8').startsWith('{"schemaVersion":1,"data":{')).toBe(true);
    expect(store.read<{ nodes: unknown[] }>(KEY)).toEqual({ nodes });
  });
});

describe('Store: fresh files (writeFresh)', () => {
  test('written in place, mode 0600, no temp file and no fsync of their own; readable and sized in the transaction', async () => {
    const home = freshHome();
    const synced: string[] = [];
    const fsx = {
      ...fs,
      fsync: ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
        synced.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
        fs.fsync(fd, cb);
      }) as typeof fs.fsync,
      renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
        expect(String(to)).not.toMatch(/\.key$/);
        fs.renameSync(from, to);
      }) as typeof fs.renameSync,
    };
    const store = new Store(storeEnv(home, fsx));
    await store.mutate((tx) => {
      for (let i = 0; i < 3; i++) tx.writeFresh(`c/nodes/n${i}.key`, new Uint8Array(32).fill(i));
      expect(tx.readBytes('c/nodes/n1.key')).toEqual(new Uint8Array(32).fill(1));
      expect(tx.sizeOf('c/nodes/n1.key')).toBe(32);
      tx.write(KEY, { nodes: ['n0', 'n1', 'n2'] });
    });
    expect(listFiles(home)).toEqual(['c/nodes/n0.key', 'c/nodes/n1.key', 'c/nodes/n2.key', KEY]);
    for (let i = 0; i < 3; i++) {
      expect(mode(path.join(home, `c/nodes/n${i}.key`))).toBe(0o600);
      expect(store.readBytes(`c/nodes/n${i}.key`)).toEqual(new Uint8Array(32).fill(i));
    }
    expect(synced.some((f) => f.endsWith('.key'))).toBe(false);
    expect(synced).toContain(path.join(home, 'c/nodes')); // the directory entries are synced with the commit
    expect(store.sizeOf('c/nodes/n0.key')).toBe(32);
    expect(store.sizeOf('c/nodes/none.key')).toBeUndefined();
    expect(store.sizeOf('c/nodes')).toBeUndefined(); // a directory is not a file
  });

  test('a file left in the way (by a killed command) is replaced, never followed', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await store.mutate((tx) => tx.write(KEY, { nodes: [] }));
    fs.mkdirSync(path.join(home, 'c/nodes'), { recursive: true });
    const outside = path.join(path.dirname(home), 'outside');
    fs.writeFileSync(outside, 'keep');
    fs.symlinkSync(outside, path.join(home, 'c/nodes/n0.key'));
    fs.writeFileSync(path.join(home, 'c/nodes/n1.key'), 'left over');
    await store.mutate((tx) => {
      tx.writeFresh('c/nodes/n0.key', new Uint8Array(32).fill(1));
      tx.writeFresh('c/nodes/n1.key', new Uint8Array(32).fill(2));
    });
    expect(fs.readFileSync(outside, 'utf8')).toBe('keep');
    expect(fs.lstatSync(path.join(home, 'c/nodes/n0.key')).isFile()).toBe(true);
    expect(store.readBytes('c/nodes/n0.key')).toEqual(new Uint8Array(32).fill(1));
    expect(store.readBytes('c/nodes/n1.key')).toEqual(new Uint8Array(32).fill(2));
  });

  test('a commit failing before its first document is in place removes them; after it, they stay', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await store.mutate((tx) => tx.write(KEY, { nodes: [] }));
    const failOn = (suffix: string) => ({
      ...fs,
      renameSync: ((from: fs.PathLike, to: fs.PathLike) => {
        if (String(to).endsWith(suffix)) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
        fs.renameSync(from, to);
      }) as typeof fs.renameSync,
    });
    const stage = (tx: import('../../src/state/store.js').Tx) => {
      tx.writeFresh('c/nodes/n0.key', new Uint8Array(32).fill(1));
      tx.write(KEY, { nodes: ['n0'] });
      tx.write('clusters/rg/d.json', { nodes: ['n0'] }); // renamed after KEY
    };
    await expect(new Store(storeEnv(home, failOn('c.json'))).mutate(stage)).rejects.toThrow(StateError);
    expect(listFiles(home)).toEqual([KEY]);
    expect(store.read(KEY)).toEqual({ nodes: [] });
    // KEY, in place before d.json failed, names the fresh file: it stays
    await expect(new Store(storeEnv(home, failOn('d.json'))).mutate(stage)).rejects.toThrow(StateError);
    expect(listFiles(home)).toEqual(['c/nodes/n0.key', KEY]);
    expect(store.read(KEY)).toEqual({ nodes: ['n0'] });
  });
});

describe('Store: list and delete', () => {
  test('list is recursive and sorted, hides the store files, tolerates a missing prefix', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    expect(store.list('clusters/')).toEqual([]);
    await store.mutate((tx) => {
      tx.write('clusters/rg2/b.json', 1);
      tx.write('clusters/rg1/z.json', 1);
      tx.write('clusters/rg1/a.json', 1);
      tx.write('other.json', 1);
    });
    fs.writeFileSync(path.join(home, 'clusters/rg1/.a.json.tmp-deadbeef'), 'junk');
    expect(store.list('clusters/')).toEqual(['clusters/rg1/a.json', 'clusters/rg1/z.json', 'clusters/rg2/b.json']);
    expect(store.list('clusters/rg1')).toEqual(['clusters/rg1/a.json', 'clusters/rg1/z.json']);
    expect(store.list('')).toEqual([
      'clusters/rg1/a.json',
      'clusters/rg1/z.json',
      'clusters/rg2/b.json',
      'other.json',
    ]);
  });

  test('delete removes a file, or a whole directory, and prunes empty directories', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await store.mutate((tx) => {
      tx.write('clusters/rg/c.json', 1);
      tx.write('clusters/rg/d.json', 1);
      tx.writeBytes('keys/rg/c/n0.key', new Uint8Array([1]));
      tx.writeBytes('keys/rg/c/n1.key', new Uint8Array([2]));
    });
    await store.mutate((tx) => {
      tx.delete('clusters/rg/c.json');
      tx.delete('keys/rg/c/');
      expect(tx.read('clusters/rg/c.json')).toBeUndefined();
      expect(tx.readBytes('keys/rg/c/n0.key')).toBeUndefined();
      expect(tx.read('clusters/rg/d.json')).toBe(1);
    });
    expect(listFiles(home)).toEqual(['clusters/rg/d.json']);
    expect(fs.existsSync(path.join(home, 'keys'))).toBe(false);
  });

  test('a write after a delete in the same transaction survives', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await store.mutate((tx) => {
      tx.writeBytes('keys/c/n0.key', new Uint8Array([1]));
      tx.writeBytes('keys/c/n1.key', new Uint8Array([1]));
    });
    await store.mutate((tx) => {
      tx.writeBytes('keys/c/n0.key', new Uint8Array([9])); // dropped by the delete below
      tx.delete('keys/c');
      tx.writeBytes('keys/c/n2.key', new Uint8Array([3]));
      expect(tx.readBytes('keys/c/n2.key')).toEqual(new Uint8Array([3]));
      expect(tx.readBytes('keys/c/n0.key')).toBeUndefined();
    });
    expect(listFiles(home)).toEqual(['keys/c/n2.key']);
  });
});

describe('Store: transactions', () => {
  test('tx.read sees staged writes; nothing is on disk until the callback resolves', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await store.mutate(async (tx) => {
      tx.write(KEY, { n: 1 });
      const doc = { n: 2 };
      tx.write(KEY, doc);
      doc.n = 3; // write() snapshots
      await new Promise((r) => setTimeout(r, 5));
      expect(tx.read(KEY)).toEqual({ n: 2 });
      expect(store.read(KEY)).toBeUndefined();
    });
    expect(store.read(KEY)).toEqual({ n: 2 });
  });

  test('a throwing callback discards its writes, releases the lock, and rethrows', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await store.mutate((tx) => tx.write(KEY, { v: 1 }));
    await expect(
      store.mutate((tx) => {
        tx.write(KEY, { v: 2 });
        tx.writeBytes('k.key', new Uint8Array(1));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(store.read(KEY)).toEqual({ v: 1 });
    expect(listFiles(home)).toEqual([KEY]);
  });

  test('a transaction cannot be used after its callback returned', async () => {
    const store = new Store(storeEnv(freshHome()));
    let saved: import('../../src/state/store.js').Tx | undefined;
    await store.mutate((tx) => {
      saved = tx;
    });
    expect(() => saved!.write(KEY, 1)).toThrow(InternalError);
  });

  test('concurrent mutate() calls in one process serialise', async () => {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.mutate(async (tx) => {
          const doc = tx.read<{ ids: number[] }>(KEY) ?? { ids: [] };
          await new Promise((r) => setTimeout(r, 1));
          tx.write(KEY, { ids: [...doc.ids, i] });
        }),
      ),
    );
    expect(store.read<{ ids: number[] }>(KEY)!.ids.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(listFiles(home)).toEqual([KEY]);
  });

  test('bad keys and values are bugs, caught at the boundary', async () => {
    const store = new Store(storeEnv(freshHome()));
    for (const key of ['', '/abs.json', 'a//b.json', '../up.json', 'a/./b', '.lock', 'a/.hidden']) {
      expect(() => store.read(key)).toThrow(InternalError);
    }
    await expect(store.mutate((tx) => tx.write('a.json', undefined))).rejects.toThrow(TypeError);
  });

  test('keySegment encodes names safely and reversibly', () => {
    expect(keySegment('my-rg_1')).toBe('my-rg_1');
    expect(keySegment('rg(prod).eu')).toBe('rg(prod).eu');
    expect(keySegment('a/b')).toBe('a%2Fb');
    expect(keySegment('.x')).toBe('%2Ex');
    expect(decodeURIComponent(keySegment('.a b%'))).toBe('.a b%');
  });
});

describe('Store: corrupt files', () => {
  async function seeded(): Promise<{ home: string; store: Store; file: string }> {
    const home = freshHome();
    const store = new Store(storeEnv(home));
    await store.mutate((tx) => tx.write(KEY, { ok: true }));
    return { home, store, file: path.join(home, KEY) };
  }

  const cases: [string, string, (file: string) => string][] = [
    [
      'a syntax error',
      '{"schemaVersion": 1, "data": }',
      (f) => `state file ${f} is not valid JSON (Unexpected token '}' at line 1 column 30); fix or remove it`,
    ],
    [
      'a trailing comma on line 3',
      '{\n  "schemaVersion": 1,\n  "data": {"a": 1,}\n}',
      (f) =>
        `state file ${f} is not valid JSON (Expected double-quoted property name at line 3 column 19); fix or remove it`,
    ],
    [
      'a truncated file',
      '{"schemaVersion": 1, "data": {"a": [1, 2',
      (f) => `state file ${f} is not valid JSON (Expected ',' or ']' after array element at line 1 column 41); fix or remove it`,
    ],
    ['an empty file', '', (f) => `state file ${f} is empty; fix or remove it`],
    ['a newer schema', '{"schemaVersion": 7, "data": {}}', (f) => `state file ${f} has schemaVersion 7; this aks-wg reads version 1`],
    ['a string schema', '{"schemaVersion": "1", "data": {}}', (f) => `state file ${f} has schemaVersion "1"; this aks-wg reads version 1`],
    ['no schema', '{"data": {}}', (f) => `state file ${f} has no "schemaVersion"; fix or remove it`],
    ['no data', '{"schemaVersion": 1}', (f) => `state file ${f} has no "data"; fix or remove it`],
    [
      'an array',
      '[1, 2]',
      (f) =>
        `state file ${f} is not an aks-wg state document (expected a JSON object with "schemaVersion" and "data"); fix or remove it`,
    ],
  ];

  test.each(cases)('%s: exact message on read, in a mutation, and the file is never overwritten', async (_n, text, msg) => {
    const { home, store, file } = await seeded();
    fs.writeFileSync(file, text);
    expect(stateErrorOf(() => store.read(KEY)).message).toBe(msg(file));
    let wrote = false;
    await expect(
      store.mutate((tx) => {
        const doc = tx.read(KEY); // throws before anything is staged
        wrote = true;
        tx.write(KEY, doc ?? { fixed: true });
      }),
    ).rejects.toThrow(msg(file));
    expect(wrote).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(listFiles(home)).toEqual([KEY]);
  });

  test('a shape check names what is wrong', async () => {
    const { store, file } = await seeded();
    fs.writeFileSync(file, '{"schemaVersion": 1, "data": {"nodes": 3}}');
    const check = (d: unknown): string | undefined =>
      Array.isArray((d as { nodes?: unknown }).nodes) ? undefined : '"nodes" is not an array';
    expect(stateErrorOf(() => store.read(KEY, check)).message).toBe(
      `state file ${file} has the wrong shape: "nodes" is not an array; fix or remove it`,
    );
  });

  test('a directory where a document should be is a StateError', async () => {
    const { home, store } = await seeded();
    fs.mkdirSync(path.join(home, 'clusters/rg/x.json'));
    expect(stateErrorOf(() => store.read('clusters/rg/x.json')).message).toBe(
      `cannot read state file ${path.join(home, 'clusters/rg/x.json')}: is a directory (EISDIR)`,
    );
  });

  test('jsonErrorPosition agrees with JSON.parse on valid and invalid text', () => {
    for (const ok of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]} ', '"s"', '0']) {
      expect(jsonErrorPosition(ok)).toBeUndefined();
    }
    expect(jsonErrorPosition('{"a": 01}')).toBe(7);
    expect(jsonErrorPosition('{"a": "\\q"}')).toBe(8);
    expect(jsonErrorPosition('[1 2]')).toBe(3);
    expect(jsonErrorPosition('{"a": 1} x')).toBe(9);
    expect(jsonErrorPosition('nul')).toBe(3);
    expect(jsonErrorPosition('{"a": tru}')).toBe(9);
  });
});
