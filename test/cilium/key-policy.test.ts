/**
 * The agents' key policy is pure: cilium/sync.ts reads key files through a read-only view and returns the key writes;
 * nothing below repo/ writes. These tests call it on documents read from a real state dir and check that the state
 * dir is untouched by the call, and that what it returns is what the agents need (repo/cilium.ts stages it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { session } from '../helpers/cli.js';
import { listFiles, removeTempDirs } from '../helpers/tmp.js';
import { attachRogue, reimageAgent, syncAgents, type KeyFiles, type KeyWrite } from '../../src/cilium/sync.js';
import { loadCilium, nodeKeyKey } from '../../src/repo/cilium-doc.js';
import { loadCluster, openStore } from '../../src/repo/cluster.js';
import { seededRng } from '../../src/platform/rng.js';
import { clampPrivateKey, encodeKey, publicKeyFromPrivate } from '../../src/wireguard/keys.js';

afterEach(removeTempDirs);

type Session = ReturnType<typeof session>;

/** The state dir's files and their bytes, to prove a call wrote nothing. */
function stateBytes(s: Session): Map<string, string> {
  const home = openStore(s.env).home;
  return new Map(listFiles(home).map((f) => [f, fs.readFileSync(path.join(home, f)).toString('hex')]));
}

/** The key files as the policy sees them, read from the store (no legacy layout here). */
function storeKeys(s: Session): KeyFiles {
  const store = openStore(s.env);
  return {
    read: (m) => store.readBytes(nodeKeyKey('RG', 'C', m)),
    size: (m) => store.readBytes(nodeKeyKey('RG', 'C', m))?.length,
  };
}

const pub = (w: KeyWrite) => (w.bytes ? encodeKey(publicKeyFromPrivate(clampPrivateKey(w.bytes))) : null);

describe('key policy (cilium/sync.ts): returns key writes, writes nothing', () => {
  test('a node added to the documents gets a fresh 32-byte key write whose public key it publishes; nothing is written', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 2')).code).toBe(0);
    const store = openStore(s.env);
    const cluster = loadCluster(store, 'RG', 'C');
    const cilium = loadCilium(store, 'RG', 'C');
    const before = stateBytes(s);
    const extra = { ...cluster.nodes[1]!, name: 'aks-nodepool1-00000000-vmss000009', ip: '10.224.0.99', podCidr: '10.244.9.0/24' };
    const r = syncAgents({ ...cluster, nodes: [...cluster.nodes, extra] }, cilium, storeKeys(s), seededRng('t'));
    expect(stateBytes(s)).toEqual(before);
    expect(r.added).toEqual([extra.name]);
    expect(r.keyWrites).toHaveLength(1);
    const w = r.keyWrites[0]!;
    expect(w.machine).toBe(extra.name);
    expect(w.bytes?.length).toBe(32);
    // nothing refers to the new key until the document that publishes it commits: written fresh
    expect(w.bytes !== null && w.fresh).toBe(true);
    expect(cilium.agents[extra.name]!.publicKey).toBe(pub(w));
    // existing nodes keep their keys: no write for them
    for (const n of cluster.nodes) expect(r.keyWrites.some((k) => k.machine === n.name)).toBe(false);
  });

  test('a removed node gets a delete; a node whose key file is gone gets a new key (not fresh: its key was published)', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 3')).code).toBe(0);
    const store = openStore(s.env);
    const cluster = loadCluster(store, 'RG', 'C');
    const cilium = loadCilium(store, 'RG', 'C');
    const [a, b, c] = cluster.nodes.map((n) => n.name) as [string, string, string];
    const oldKey = cilium.agents[b]!.publicKey;
    const keys = storeKeys(s);
    const lost: KeyFiles = { read: (m) => (m === b ? undefined : keys.read(m)), size: (m) => (m === b ? undefined : keys.size(m)) };
    const before = stateBytes(s);
    const r = syncAgents({ ...cluster, nodes: cluster.nodes.filter((n) => n.name !== c) }, cilium, lost, seededRng('t'));
    expect(stateBytes(s)).toEqual(before);
    expect(r.removed).toEqual([c]);
    expect(r.rekeyed).toEqual([b]);
    expect(r.keyWrites.map((w) => [w.machine, w.bytes === null ? 'delete' : w.fresh ? 'fresh' : 'replace'])).toEqual([
      [c, 'delete'],
      [b, 'replace'],
    ]);
    expect(cilium.agents[b]!.publicKey).not.toBe(oldKey);
    expect(cilium.agents[b]!.publicKey).toBe(pub(r.keyWrites[1]!));
    expect(cilium.agents[a]!.publicKey).toBe(loadCilium(store, 'RG', 'C').agents[a]!.publicKey);
  });

  test('reimage deletes the key file, then writes a new key; the rogue machine gets its own key write', async () => {
    const s = session();
    expect((await s.run('cluster create -g RG -n C --enable-wireguard -c 2')).code).toBe(0);
    const store = openStore(s.env);
    const cluster = loadCluster(store, 'RG', 'C');
    const cilium = loadCilium(store, 'RG', 'C');
    const node = cluster.nodes[0]!.name;
    const before = stateBytes(s);
    const r = reimageAgent(cluster, cilium, storeKeys(s), node, seededRng('t'));
    expect(r.keyWrites.map((w) => [w.machine, w.bytes === null ? 'delete' : 'write'])).toEqual([
      [node, 'delete'],
      [node, 'write'],
    ]);
    expect(r.publicKey).toBe(pub(r.keyWrites[1]!));
    const rogue = attachRogue(cluster, cilium, 'rogue-vm', seededRng('r'));
    expect(rogue.keyWrites).toHaveLength(1);
    expect(rogue.rogue.publicKey).toBe(pub(rogue.keyWrites[0]!));
    expect(stateBytes(s)).toEqual(before);
  });
});
