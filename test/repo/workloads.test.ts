/** The workloads document (repo/workloads.ts): its compact stored form. */
import { afterEach, describe, expect, test } from '@jest/globals';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { loadCluster, openStore } from '../../src/repo/cluster.js';
import { decodeWorkloads, encodeWorkloads, loadWorkloads } from '../../src/repo/workloads.js';

afterEach(removeTempDirs);

describe('workloads document', () => {
  test('the stored form round-trips and is compact', async () => {
    const s = session();
    const r = await s.run('cluster create -g RG -n C --enable-wireguard');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const store = openStore(s.env);
    const doc = loadCluster(store, 'RG', 'C');
    const w = loadWorkloads(store, doc);
    const stored = JSON.parse(JSON.stringify(encodeWorkloads(doc, w)));
    expect(decodeWorkloads(doc, stored)).toEqual(w);
    expect(Array.isArray(stored.controllers[0].pods[0])).toBe(true);
  });
});
