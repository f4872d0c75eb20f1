// A separate aks-wg process for the concurrency and crash tests:
//   node child.mjs <compiled store.js> <state dir> <mode> <id>
// append               read-modify-write: add <id> to the ids of clusters/rg/c.json, and write a key file
// hang-before-rename   the same, but block (print READY) when the first temp file is written and about to be renamed
// hang-in-callback     stage the write, then print READY and never return from the mutate() callback
// fresh-append, fresh-hang-before-rename   as append and hang-before-rename, the key file written with writeFresh
//                      (in place at commit, no temp file: the hang is at the document's rename)
import * as fs from 'node:fs';

const [storeModule, home, mode, id] = process.argv.slice(2);
const { Store } = await import(storeModule);

const KEY = 'clusters/rg/c.json';
const ready = () => fs.writeSync(1, 'READY\n');
const blockForever = () => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0, 60_000);
};

const envFs = {
  ...fs,
  renameSync(from, to) {
    if (mode.endsWith('hang-before-rename') && String(from).includes('.tmp-')) {
      ready();
      blockForever();
    }
    fs.renameSync(from, to);
  },
};
const store = new Store({ fs: envFs, home, pid: process.pid, clock: { now: () => Date.now() } });

await store.mutate(async (tx) => {
  const doc = tx.read(KEY) ?? { ids: [] };
  if (mode.startsWith('fresh-')) tx.writeFresh(`keys/${id}.key`, new Uint8Array(32).fill(Number(id) % 256));
  else tx.writeBytes(`keys/${id}.key`, new Uint8Array(32).fill(Number(id) % 256));
  tx.write(KEY, { ids: [...doc.ids, id] });
  if (mode === 'hang-in-callback') {
    ready();
    await new Promise(() => setInterval(() => {}, 60_000));
  }
});
