/**
 * No secret ever reaches stdout or stderr: across every command and output format, with --debug, on error paths,
 * and with --capture but no --keylog. Secrets are collected from the state itself — every node and rogue key file
 * (raw and clamped), every session key and handshake secret the fabric persisted — and searched for in base64 and
 * hex. Key files are 0600, the state directory 0700, a key log 0600.
 *
 * And no secret outlives its use in memory: the backing stores a key could be left in — Node's shared Buffer pool,
 * the blocks datagrams are carved from, the arrays an opened packet is handed out in, the module state of BLAKE2s and
 * of the sodium backend — are scanned after use.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSpecs } from '../../src/cli/registry.js';
import { openStore } from '../../src/repo/cluster.js';
import { _scratch as sodiumScratch, _secureArenas } from '../../src/platform/sodium.js';
import { _moduleState as blake2sState, hkdfBlake2s, hmacBlake2s } from '../../src/wireguard/blake2s.js';
import { generatePresharedKey, generatePrivateKey } from '../../src/wireguard/keys.js';
import { Device } from '../../src/wireguard/device.js';
import { nobleBackend } from '../../src/wireguard/crypto-backend.js';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { SimClock } from '../../src/platform/clock.js';
import { unpackPeer, type DeviceSnapshot } from '../../src/fabric/device-snapshot.js';
import { seededRng } from '../../src/platform/rng.js';
import { A_IP, B_IP, ipv4Packet, makePair } from '../wireguard/sim.js';

const SPECS = await loadSpecs();
import { run, testEnv, type TestEnv } from '../helpers/cli.js';
import { listFiles, makeTempDir, removeTempDirs } from '../helpers/tmp.js';

let env: TestEnv;
let cwd: string;
const outputs: { argv: string; text: string }[] = [];

const has = (cmd: string) => SPECS.some((s) => s.path.join(' ') === cmd);

async function sh(argv: string): Promise<number> {
  const r = await run(argv.split(' ').filter(Boolean), { env });
  outputs.push({ argv, text: r.stdout + r.stderr });
  return r.code;
}

beforeAll(async () => {
  cwd = makeTempDir('aks-wg-secrets-');
  env = testEnv({ seed: 'secrets', cwd });
  fs.writeFileSync(
    path.join(cwd, 'web.yaml'),
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n',
  );
  const setup = [
    'cluster create -g RG -n C --enable-wireguard',
    'cluster get-credentials -g RG -n C',
    'kubectl apply -f web.yaml',
    'node add-rogue -g RG -n C',
    'traffic inspect -g RG -n C --capture cap.pcap -o none',
    'traffic inspect -g RG -n C --duration 5m -o none',
  ];
  for (const argv of setup) expect(await sh(argv)).toBe(0);
}, 120_000);
afterAll(removeTempDirs);

/** Every secret in the state dir, as the strings that would betray it. */
function secretsInState(): Map<string, string> {
  const found = new Map<string, string>(); // spelling → where
  const add = (bytes: Uint8Array, where: string) => {
    const variants = [bytes];
    if (bytes.length === 32) {
      const clamped = Uint8Array.from(bytes);
      clamped[0]! &= 248;
      clamped[31] = (clamped[31]! & 127) | 64;
      variants.push(clamped);
    }
    for (const v of variants) {
      found.set(Buffer.from(v).toString('base64'), where);
      found.set(Buffer.from(v).toString('hex'), where);
      found.set(Buffer.from(v).toString('hex').toUpperCase(), where);
    }
  };
  const SECRET_FIELD = /(send|receive|recv|private|ephemeral|chaining|preshared|psk|secret|cookie)/i;
  const walk = (v: unknown, where: string, field = ''): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`, field));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`, k);
    else if (typeof v === 'string' && SECRET_FIELD.test(field) && !/public/i.test(field)) {
      const bytes = /^[0-9a-f]{64}$/i.test(v) ? Buffer.from(v, 'hex') : /^[A-Za-z0-9+/]{43}=$/.test(v) ? Buffer.from(v, 'base64') : undefined;
      if (bytes) add(bytes, where);
    }
  };
  // the saved sessions pack each peer's state into one record: decode them, and treat the record itself as a secret
  const sessions = (doc: { data?: { nodes?: Record<string, DeviceSnapshot> } }, rel: string) => {
    for (const [node, device] of Object.entries(doc.data?.nodes ?? {})) {
      for (const [key, packed] of Object.entries(device.peers)) {
        const where = `${rel}:${node}:${key}`;
        found.set(packed, where);
        const p = unpackPeer(key, packed);
        for (const k of p.keypairs) {
          add(k.sendKey, `${where}.sendKey`);
          add(k.receiveKey, `${where}.receiveKey`);
        }
        if (p.pending) for (const [name, bytes] of Object.entries(p.pending)) if (bytes instanceof Uint8Array) add(bytes, `${where}.pending.${name}`);
      }
    }
  };
  for (const rel of listFiles(env.home)) {
    const file = path.join(env.home, rel);
    if (rel.endsWith('.key')) add(fs.readFileSync(file), rel);
    else if (rel.endsWith('fabric/sessions.json')) sessions(JSON.parse(fs.readFileSync(file, 'utf8')), rel);
    else if (rel.endsWith('.json')) walk(JSON.parse(fs.readFileSync(file, 'utf8')), rel);
  }
  return found;
}

test('the state holds real secrets to look for (key files and session keys)', () => {
  const secrets = secretsInState();
  const where = new Set([...secrets.values()].map((w) => (w.endsWith('.key') ? 'key file' : w.includes('sessions') ? 'sessions' : w)));
  expect(where.has('key file')).toBe(true);
  expect(where.has('sessions')).toBe(true);
});

test('no secret appears in any output of any command, format, --debug or error path', async () => {
  const formats = ['json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv'];
  const lines = [
    'cluster show -g RG -n C',
    'cluster list',
    'nodepool list -g RG --cluster-name C',
    'nodepool show -g RG --cluster-name C -n nodepool1',
    'node list -g RG -n C',
    'clock show --context RG/C',
    'traffic inspect -g RG -n C',
    'traffic inspect -g RG -n C --all-pairs',
    'traffic inspect -g RG -n C --from node/nope --to 1.1.1.1',
  ];
  for (const line of lines) for (const o of formats) await sh(`${line} -o ${o}`);
  for (const line of lines) await sh(`${line} --debug`);
  const text = [
    'cluster encryption-status -g RG -n C',
    'kubectl get nodes -o yaml',
    'kubectl get pods -A -o json',
    'kubectl get ciliumnodes -o yaml',
    'kubectl get ciliumnodes -o json',
    'kubectl exec -n kube-system ds/cilium -- cilium-dbg encrypt status',
    'kubectl exec -n kube-system ds/cilium -- cilium-dbg status',
    'kubectl exec -n kube-system ds/cilium -- cilium-dbg debuginfo --output json',
    'kubectl exec -n kube-system ds/cilium -- wg show cilium_wg0',
    'kubectl exec -n kube-system ds/cilium -- wg show',
    'kubectl exec -n kube-system ds/cilium -- wg show cilium_wg0 private-key',
    'kubectl exec -n kube-system ds/cilium -- wg showconf cilium_wg0',
    'kubectl exec -n kube-system ds/cilium -- cat /var/run/cilium/state/cilium_wg0.key',
    'traffic inspect -g RG -n C --capture cap2.pcap --debug',
    'traffic inspect -g RG -n C --capture /no/such/dir/x.pcap',
    'traffic inspect -g RG -n C --duration 3m --interval 10s -o json',
    'traffic inspect -g RG -n C -o hubble',
    'traffic inspect -g RG -n C --compare',
    'traffic inspect -g RG -n C --view matrix',
    'node reimage aks-nope -g RG -n C --debug',
    'cluster update -g RG -n C --enable-wireguard --debug',
    'cluster update -g RG -n C --encryption-strict-egress-cidr nonsense --debug',
    'cluster show -g RG -n C --as-az-command',
    'nodepool add -g RG --cluster-name C -n extra -c 1 --debug',
    'nodepool scale -g RG --cluster-name C -n extra -c 2',
    'traffic inspect -g RG -n C -o json',
  ];
  if (has('node wg-showconf')) text.push('node wg-showconf aks-x -g RG -n C', `node wg-showconf ${firstNode()} -g RG -n C`, `node wg-showconf ${firstNode()} -g RG -n C --debug`);
  for (const line of text) await sh(line);

  const secrets = secretsInState();
  expect(secrets.size).toBeGreaterThan(10);
  const leaks: string[] = [];
  for (const { argv, text } of outputs) for (const [s, where] of secrets) if (text.includes(s)) leaks.push(`${argv} printed ${where}`);
  expect(leaks).toEqual([]);
}, 300_000);

function firstNode(): string {
  const nodes = JSON.parse(fs.readFileSync(path.join(env.home, 'clusters/rg/c.json'), 'utf8')).data.nodes as { name: string }[];
  return nodes[0]!.name;
}

test('file modes: state dir 0700, key files and every state file 0600, key log 0600', async () => {
  expect(fs.statSync(env.home).mode & 0o777).toBe(0o700);
  const files = listFiles(env.home);
  expect(files.some((f) => f.endsWith('cilium_wg0.key'))).toBe(true);
  for (const f of files) expect({ f, mode: fs.statSync(path.join(env.home, f)).mode & 0o777 }).toEqual({ f, mode: 0o600 });
  const dirs = new Set(files.map((f) => path.dirname(f)).filter((d) => d !== '.'));
  for (const d of dirs) expect({ d, mode: fs.statSync(path.join(env.home, d)).mode & 0o777 }).toEqual({ d, mode: 0o700 });
  expect(await sh('traffic inspect -g RG -n C --capture k.pcap --keylog keys.txt -o none')).toBe(0);
  expect(fs.statSync(path.join(cwd, 'keys.txt')).mode & 0o777).toBe(0o600);
  const keylog = fs.readFileSync(path.join(cwd, 'keys.txt'), 'utf8');
  // The scan would catch a leak: the private keys the user asked to have logged are ones it searches for.
  const logged = [...keylog.matchAll(/^LOCAL_STATIC_PRIVATE_KEY = (\S+)$/gm)].map((m) => m[1]!);
  expect(logged.length).toBeGreaterThan(0);
  const secrets = secretsInState();
  for (const k of logged) expect(secrets.has(k)).toBe(true);
});

// --- Backing stores -------------------------------------------------------------------------------------------------

/** A Buffer view of an array's bytes (no copy: Buffer.from(array) would itself copy into the pool). */
const view = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** The whole backing store behind an array. */
const backing = (a: Uint8Array) => Buffer.from(a.buffer as ArrayBuffer);
/** The slab Node's small Buffers are carved from now (Buffer.allocUnsafe takes its bytes from the current pool). */
const currentPool = () => backing(Buffer.allocUnsafe(1));
/**
 * Start a new Buffer pool, zero-filled, so a scan sees only what was put in it from here on (earlier pools hold the
 * copies this file's own helpers made, e.g. readFileSync in secretsInState).
 */
function freshPool(): void {
  const old = currentPool().buffer;
  while (currentPool().buffer === old) Buffer.allocUnsafe(Buffer.poolSize >>> 2);
  currentPool().fill(0);
}
/** Which of `secrets` (by name) occur anywhere in `store`. */
function found(store: Buffer, secrets: Map<string, Uint8Array>): string[] {
  return [...secrets].filter(([, s]) => store.indexOf(view(s)) >= 0).map(([name]) => name);
}
const allZero = (a: Uint8Array) => a.every((x) => x === 0);

test('a key file read through the store is an array of its own, and Node\'s Buffer pool keeps none of its bytes', () => {
  const keyFiles = listFiles(env.home).filter((f) => f.endsWith('.key'));
  expect(keyFiles.length).toBeGreaterThan(0);
  const store = openStore(env);
  for (const rel of keyFiles) {
    freshPool();
    // the scan sees a key read the ordinary way: fs.readFileSync puts a small file in the pool
    const pooled = fs.readFileSync(path.join(env.home, rel));
    const expected = new Uint8Array(pooled);
    const secret = new Map([[rel, expected]]);
    expect(found(currentPool(), secret)).toEqual([rel]);
    pooled.fill(0);
    expect(found(currentPool(), secret)).toEqual([]);
    // the store's read leaves nothing behind
    const bytes = store.readBytes(rel)!;
    expect(view(bytes).equals(view(expected))).toBe(true);
    expect(bytes.buffer.byteLength).toBe(bytes.length);
    expect(found(currentPool(), secret)).toEqual([]);
  }
});

test('a handshake and transport leave no key in the Buffer pool, datagram blocks or module state; opened packets hold only their own bytes', () => {
  freshPool();
  const p = makePair({ seed: 'secrets-memory', psk: generatePresharedKey(seededRng('secrets-memory:psk')) });
  const sizes = [0, 20, 40, 64, 65, 100, 600, 1392];
  for (const n of sizes) p.a.sendPacket(ipv4Packet(A_IP, B_IP, n, n));
  p.flush();
  for (const n of sizes) p.b.sendPacket(ipv4Packet(B_IP, A_IP, n, n));
  p.flush();
  // a rekey: a second handshake, on the other side
  p.clock.advance(130_000);
  p.b.initiateHandshake(p.peerOfB, false);
  p.flush();
  p.a.sendPacket(ipv4Packet(A_IP, B_IP, 30, 99));
  p.flush();
  expect(p.delivered).toHaveLength(2 * sizes.length + 1);
  expect(p.keyLog.length).toBeGreaterThanOrEqual(4);

  // every secret of both sides: static and ephemeral private keys, the preshared key, static-static DH, session keys
  const secrets = new Map<string, Uint8Array>();
  p.keyLog.forEach((e, i) => {
    secrets.set(`static private ${i}`, Uint8Array.from(e.localStaticPrivate));
    secrets.set(`ephemeral private ${i}`, Uint8Array.from(e.localEphemeralPrivate));
    secrets.set('preshared key', Uint8Array.from(e.presharedKey));
  });
  for (const [side, peer] of [['a', p.peerOfA], ['b', p.peerOfB]] as const) {
    secrets.set(`${side} static-static`, Uint8Array.from(peer.staticStatic!));
    for (const [slot, kp] of [['previous', peer.previous], ['current', peer.current], ['next', peer.next]] as const) {
      if (!kp) continue;
      secrets.set(`${side} ${slot} send key`, Uint8Array.from(kp.sendKey));
      secrets.set(`${side} ${slot} receive key`, Uint8Array.from(kp.receiveKey));
    }
  }
  expect(secrets.size).toBeGreaterThanOrEqual(12);

  // datagrams: their backing stores (blocks shared by packets in flight) hold no secret
  const blocks = new Set(p.sent.map((s) => s.datagram.buffer));
  for (const block of blocks) expect(found(Buffer.from(block as ArrayBuffer), secrets)).toEqual([]);
  // opened packets: each in an array of its own, its padding after it and nothing else
  for (const { packet } of p.delivered) {
    expect(packet.byteOffset).toBe(0);
    expect(packet.buffer.byteLength).toBeLessThan(packet.length + 16);
    expect(allZero(new Uint8Array(packet.buffer, packet.length))).toBe(true);
  }
  // Node's Buffer pool, BLAKE2s's module state and the sodium backend's scratch
  expect(found(currentPool(), secrets)).toEqual([]);
  for (const a of blake2sState()) expect(allZero(a)).toBe(true);
  for (const a of sodiumScratch()) expect(allZero(a)).toBe(true);
});

test('a device keeps its static private key in sodium_malloc memory on the production backend', () => {
  freshPool();
  const given = generatePrivateKey(seededRng('secrets-static'));
  const before = Uint8Array.from(given);
  const make = (backend: typeof sodiumBackend) =>
    new Device({ privateKey: given, clock: new SimClock(), rng: seededRng('secrets-static:rng'), backend, send: () => {} });
  const held = (d: Device) => (d as unknown as { privateKey: Uint8Array }).privateKey;
  const onSodium = make(sodiumBackend);
  const onNoble = make(nobleBackend);
  // a slot of an arena sodium_malloc returned (outside V8's heap and the Buffer pool, behind guard pages)
  expect(_secureArenas()).toContain(held(onSodium).buffer);
  expect(held(onSodium).length).toBe(32);
  // the reference backend has no secure memory: an array of its own
  expect(_secureArenas()).not.toContain(held(onNoble).buffer);
  expect(held(onNoble).buffer.byteLength).toBe(32);
  // the same key either way (clamped), the caller's array untouched, and never in the Buffer pool
  expect(Array.from(held(onSodium))).toEqual(Array.from(held(onNoble)));
  expect(given).toEqual(before);
  expect(onSodium.publicKey).toEqual(onNoble.publicKey);
  expect(found(currentPool(), new Map([['static private', Uint8Array.from(held(onSodium))]]))).toEqual([]);
});

test('session transport keys sit in sodium_malloc memory on the production backend, derived or restored', () => {
  const keysOf = (peer: { current?: unknown; next?: unknown; previous?: unknown }) =>
    (['previous', 'current', 'next'] as const)
      .map((slot) => peer[slot] as { sendKey: Uint8Array; receiveKey: Uint8Array } | null | undefined)
      .filter((kp) => kp)
      .flatMap((kp) => [kp!.sendKey, kp!.receiveKey]);
  for (const backend of [sodiumBackend, nobleBackend]) {
    const p = makePair({ seed: `secrets-session:${backend.name}`, backend });
    p.a.sendPacket(ipv4Packet(A_IP, B_IP, 40, 1));
    p.flush();
    p.b.sendPacket(ipv4Packet(B_IP, A_IP, 40, 2));
    p.flush();
    expect(p.delivered).toHaveLength(2);
    const derived = [...keysOf(p.peerOfA), ...keysOf(p.peerOfB)];
    expect(derived).toHaveLength(4);
    for (const k of derived) {
      expect(k.length).toBe(32);
      // sodium: a slot of an arena; noble (no secure memory): an array of its own
      if (backend === sodiumBackend) expect(_secureArenas()).toContain(k.buffer);
      else expect(k.buffer.byteLength).toBe(32);
    }

    // restored into a fresh device: the keypairs hold copies, and on sodium the state's arrays are wiped
    const state = p.a.exportSessions(p.peerOfA);
    const copy = { ...state, keypairs: state.keypairs.map((k) => ({ ...k, sendKey: Uint8Array.from(k.sendKey), receiveKey: Uint8Array.from(k.receiveKey) })) };
    const expected = copy.keypairs.map((k) => [Array.from(k.sendKey), Array.from(k.receiveKey)]);
    const fresh = makePair({ seed: `secrets-session:${backend.name}` });
    // a malformed state changes nothing, not even the arrays given
    const bad = { ...copy, keypairs: [...copy.keypairs, { ...copy.keypairs[0]! }] };
    expect(() => fresh.a.restoreSessions(fresh.peerOfA, bad)).toThrow(RangeError);
    expect(copy.keypairs.map((k) => [Array.from(k.sendKey), Array.from(k.receiveKey)])).toEqual(expected);
    expect(fresh.a.restoreSessions(fresh.peerOfA, copy)).toBe(true);
    const restored = keysOf(fresh.peerOfA);
    expect(restored.map((k) => Array.from(k))).toEqual(expected.flat());
    for (const k of restored) expect(_secureArenas()).toContain(k.buffer);
    for (const k of copy.keypairs) expect(allZero(k.sendKey) && allZero(k.receiveKey)).toBe(true);
  }
});

test('BLAKE2s keeps no key material in module state after HMAC or HKDF with a key', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
  const longKey = Uint8Array.from({ length: 80 }, (_, i) => i);
  hmacBlake2s(key, new Uint8Array(40));
  for (const a of blake2sState()) expect(allZero(a)).toBe(true);
  hmacBlake2s(longKey, new Uint8Array(3));
  for (const a of blake2sState()) expect(allZero(a)).toBe(true);
  expect(longKey.every((x, i) => x === i)).toBe(true);
  hkdfBlake2s(key, new Uint8Array(32), 3);
  for (const a of blake2sState()) expect(allZero(a)).toBe(true);
});
