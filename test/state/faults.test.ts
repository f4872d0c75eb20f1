/**
 * Write failures injected through env.fs. The tests run as root, where chmod 0500 does not stop writes, so a
 * read-only or full disk is simulated by making the fs calls fail with EROFS, EACCES or ENOSPC as the kernel would.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { StateError } from '../../src/errors.js';
import { Store } from '../../src/state/store.js';
import { listFiles, removeTempDirs } from '../helpers/tmp.js';
import { errno, faultyFs, freshHome, storeEnv } from './env.js';

afterEach(removeTempDirs);

const KEY = 'clusters/rg/c.json';

async function seeded(): Promise<{ home: string; file: string }> {
  const home = freshHome();
  await new Store(storeEnv(home)).mutate((tx) => {
    tx.write(KEY, { v: 1 });
    tx.writeBytes('keys/n0.key', new Uint8Array(32).fill(1));
  });
  return { home, file: path.join(home, KEY) };
}

/** The state as a map of relative path → contents (every file, hidden ones included). */
function snapshot(home: string): Record<string, string> {
  return Object.fromEntries(listFiles(home).map((f) => [f, nodeFs.readFileSync(path.join(home, f), 'hex')]));
}

async function expectStateError(p: Promise<unknown>, message: string): Promise<void> {
  await expect(p).rejects.toThrow(StateError);
  await expect(p).rejects.toThrow(message);
}

test('ENOSPC while writing → StateError, previous file intact, temp file removed', async () => {
  const { home, file } = await seeded();
  const before = snapshot(home);
  const fs = faultyFs({
    writeSync: ((fd: number, ...rest: unknown[]) => {
      // The lock file is written first and may succeed; state files fail.
      if (nodeFs.readlinkSync(`/proc/self/fd/${fd}`).includes('.tmp-')) throw errno('ENOSPC', 'write');
      return (nodeFs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    }) as typeof nodeFs.writeSync,
  });
  await expectStateError(
    new Store(storeEnv(home, fs)).mutate((tx) => tx.write(KEY, { v: 2 })),
    `cannot write state file ${file}: no space left on device (ENOSPC)`,
  );
  expect(snapshot(home)).toEqual(before);
  expect(new Store(storeEnv(home)).read(KEY)).toEqual({ v: 1 });
});

test('EACCES on rename → StateError, previous file intact, temp file removed', async () => {
  const { home, file } = await seeded();
  const before = snapshot(home);
  const fs = faultyFs({
    renameSync: ((from: nodeFs.PathLike, to: nodeFs.PathLike) => {
      if (String(from).includes('.tmp-')) throw errno('EACCES', 'rename', String(from));
      nodeFs.renameSync(from, to);
    }) as typeof nodeFs.renameSync,
  });
  await expectStateError(
    new Store(storeEnv(home, fs)).mutate((tx) => tx.write(KEY, { v: 2 })),
    `cannot write state file ${file}: permission denied (EACCES)`,
  );
  expect(snapshot(home)).toEqual(before);
});

test('read-only state dir (EROFS on every create) → StateError naming the lock, nothing changed', async () => {
  // chmod 0500 would not stop root; fail the creating calls the way a read-only mount does.
  const { home } = await seeded();
  const before = snapshot(home);
  const fs = faultyFs({
    openSync: ((p: nodeFs.PathLike, flags?: nodeFs.OpenMode, m?: nodeFs.Mode) => {
      if (flags !== 'r' && flags !== undefined) throw errno('EROFS', 'open', String(p));
      return nodeFs.openSync(p, flags ?? 'r', m);
    }) as typeof nodeFs.openSync,
  });
  const store = new Store(storeEnv(home, fs));
  await expectStateError(
    store.mutate((tx) => tx.write(KEY, { v: 2 })),
    `cannot create lock file ${path.join(home, '.lock')}: read-only file system (EROFS)`,
  );
  expect(snapshot(home)).toEqual(before);
  expect(store.read(KEY)).toEqual({ v: 1 }); // reads still work
});

test('EACCES creating a temp file (lock allowed) → StateError, nothing changed', async () => {
  const { home, file } = await seeded();
  const before = snapshot(home);
  const fs = faultyFs({
    openSync: ((p: nodeFs.PathLike, flags?: nodeFs.OpenMode, m?: nodeFs.Mode) => {
      if (String(p).includes('.tmp-')) throw errno('EACCES', 'open', String(p));
      return nodeFs.openSync(p, flags ?? 'r', m);
    }) as typeof nodeFs.openSync,
  });
  await expectStateError(
    new Store(storeEnv(home, fs)).mutate((tx) => tx.write(KEY, { v: 2 })),
    `cannot write state file ${file}: permission denied (EACCES)`,
  );
  expect(snapshot(home)).toEqual(before);
});

test('multi-file commit: a write failure on the last file changes nothing at all', async () => {
  const { home, file } = await seeded();
  const before = snapshot(home);
  let writes = 0;
  const fs = faultyFs({
    fsync: ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      if (nodeFs.readlinkSync(`/proc/self/fd/${fd}`).includes('.tmp-') && ++writes === 3) {
        cb(errno('ENOSPC', 'fsync'));
        return;
      }
      nodeFs.fsync(fd, cb);
    }) as typeof nodeFs.fsync,
  });
  await expectStateError(
    new Store(storeEnv(home, fs)).mutate((tx) => {
      tx.write(KEY, { v: 2 }); // the JSON document goes last: third file
      tx.writeBytes('keys/n1.key', new Uint8Array(32).fill(2));
      tx.writeBytes('keys/n0.key', new Uint8Array(32).fill(3));
    }),
    `cannot write state file ${file}: no space left on device (ENOSPC)`,
  );
  expect(snapshot(home)).toEqual(before);
});

test('multi-file commit: a rename failure on the document leaves key files committed, document old, no temps', async () => {
  const { home, file } = await seeded();
  const order: string[] = [];
  const fs = faultyFs({
    renameSync: ((from: nodeFs.PathLike, to: nodeFs.PathLike) => {
      if (String(from).includes('.tmp-')) {
        order.push(path.relative(home, String(to)));
        if (String(to).endsWith('.json')) throw errno('EIO', 'rename', String(from));
      }
      nodeFs.renameSync(from, to);
    }) as typeof nodeFs.renameSync,
  });
  await expectStateError(
    new Store(storeEnv(home, fs)).mutate((tx) => {
      tx.write(KEY, { v: 2, keys: ['n0', 'n1'] });
      tx.writeBytes('keys/n1.key', new Uint8Array(32).fill(2));
    }),
    `cannot write state file ${file}: input/output error (EIO)`,
  );
  expect(order).toEqual(['keys/n1.key', KEY]); // raw files first, documents last
  expect(listFiles(home)).toEqual([KEY, 'keys/n0.key', 'keys/n1.key']);
  expect(new Store(storeEnv(home)).read(KEY)).toEqual({ v: 1 });
});

test('the lock is released after a failed commit, so the next mutation works', async () => {
  const { home } = await seeded();
  const fs = faultyFs({
    writeSync: ((fd: number, ...rest: unknown[]) => {
      if (nodeFs.readlinkSync(`/proc/self/fd/${fd}`).includes('.tmp-')) throw errno('ENOSPC', 'write');
      return (nodeFs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    }) as typeof nodeFs.writeSync,
  });
  await expect(new Store(storeEnv(home, fs)).mutate((tx) => tx.write(KEY, { v: 2 }))).rejects.toThrow(StateError);
  expect(nodeFs.existsSync(path.join(home, '.lock'))).toBe(false);
  await new Store(storeEnv(home)).mutate((tx) => tx.write(KEY, { v: 3 }));
  expect(new Store(storeEnv(home)).read(KEY)).toEqual({ v: 3 });
});
