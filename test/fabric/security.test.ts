// Strict mode, the rogue machine, and tshark decrypting a capture with the key log.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeTempDirs } from '../helpers/tmp.js';
import { makeCluster, plaintextBetween, readCapture } from './helpers.js';

afterAll(removeTempDirs);

const TSHARK = '/usr/bin/tshark';

describe('strict mode', () => {
  test('during the rolling restart, an agent with WireGuard drops unencrypted pod-to-pod packets with UNENCRYPTED_TRAFFIC', async () => {
    const c = await makeCluster('cilium-only', 'strict');
    const web = (await c.pods()).filter((p) => p.name.startsWith('web-'));
    const nodes = [...new Set(web.map((p) => p.node))].sort();
    const a = web.find((p) => p.node === nodes[0])!; // its agent restarts first (+10 s)
    const b = web.find((p) => p.node === nodes[1])!; // +20 s
    const up = await c.run('cluster update -g rg -n c --enable-wireguard --encryption-strict-egress-cidr 10.244.0.0/16 --no-wait -o none');
    expect(up.code).toBe(0);
    fs.writeFileSync(path.join(c.dir, 'ab.yaml'), `- {from: default/${a.name}, to: default/${b.name}}\n- {from: default/${a.name}, to: 1.1.1.1}\n`);
    const r = await c.run('traffic inspect -g rg -n c --flows ab.yaml --duration 30s --interval 5s --capture strict.pcap -o json');
    expect(r.code).toBe(0);
    const flows = r.json().flows as any[];
    const ab = flows.filter((f) => f.destination.ip === b.ip);
    // t=0, 5: nobody runs WireGuard yet (no strict either): plaintext
    expect(ab.slice(0, 2).map((f) => [f.verdict, f.encrypted])).toEqual([['FORWARDED', false], ['FORWARDED', false]]);
    // t=10, 15: a's agent has WireGuard and strict mode, b is not a peer yet: dropped
    for (const f of ab.slice(2, 4)) {
      expect(f).toMatchObject({ verdict: 'DROPPED', dropReason: 'UNENCRYPTED_TRAFFIC', encrypted: false });
      expect(f.reason).toMatch(/strict mode/);
    }
    // t=20, 25: both have WireGuard: encrypted
    expect(ab.slice(4).every((f) => f.encrypted && f.verdict === 'FORWARDED')).toBe(true);
    // outside the strict CIDR nothing is dropped
    expect(flows.filter((f) => f.destination.ip === '1.1.1.1').every((f) => f.verdict === 'FORWARDED')).toBe(true);
    // the summary counts the drops apart (issue 12 item 4): in the totals, never encrypted
    expect(r.json().summary).toMatchObject({ dropped: 2, strictModeDrops: 2, encrypted: 2 });
    // the dropped packets never reached eth0: only the first two rounds' plaintext copies are there
    expect(plaintextBetween(readCapture(path.join(c.dir, 'strict.pcap')), a.ip, b.ip)).toHaveLength(2);
  });
});

describe('rogue machine', () => {
  test("its WireGuard packets are dropped by every receiver, and the report says so", async () => {
    const c = await makeCluster('wireguard', 'rogue');
    const add = await c.run('node add-rogue -g rg -n c -o json');
    expect(add.code).toBe(0);
    const rogue = add.json();
    const web = (await c.pods()).filter((p) => p.name.startsWith('web-'));
    const targets = [...new Map(web.map((p) => [p.node, p])).values()];
    expect(targets).toHaveLength(3);
    fs.writeFileSync(path.join(c.dir, 'rogue.yaml'), targets.map((p) => `- {from: node/${rogue.name}, to: default/${p.name}}\n`).join(''));
    const r = await c.run('traffic inspect -g rg -n c --flows rogue.yaml --capture rogue.pcap -o json');
    expect(r.code).toBe(0);
    const flows = r.json().flows as any[];
    expect(flows).toHaveLength(3);
    for (const f of flows) {
      expect(f).toMatchObject({ verdict: 'DROPPED', encrypted: false, dropReason: 'WIREGUARD_HANDSHAKE_UNAUTHENTICATED' });
      expect(f.source).toMatchObject({ kind: 'external', name: rogue.name, ip: rogue.ip });
      expect(f.reason).toMatch(/is not a WireGuard peer of aks-/);
    }
    const packets = readCapture(path.join(c.dir, 'rogue.pcap'));
    // one initiation to each node, no response, nothing decrypted, no plaintext pod packet
    expect(packets.filter((p) => p.src === rogue.ip).map((p) => p.wgType)).toEqual([1, 1, 1]);
    expect(packets.filter((p) => p.dst === rogue.ip)).toEqual([]);
    // the default set includes the rogue too
    const d = await c.run('traffic inspect -g rg -n c -o json');
    expect(d.json().flows.some((f: any) => f.source.name === rogue.name && f.verdict === 'DROPPED')).toBe(true);
  });
});

describe('tshark', () => {
  const have = fs.existsSync(TSHARK);
  (have ? test : test.skip)('tshark decrypts the capture with the key log and shows the inner pod addresses', async () => {
    const c = await makeCluster('wireguard', 'tshark');
    const r = await c.run('traffic inspect -g rg -n c --capture cap.pcap --keylog keys.txt -o json');
    expect(r.code).toBe(0);
    const keys = path.join(c.dir, 'keys.txt');
    expect(fs.statSync(keys).mode & 0o777).toBe(0o600);
    const lines = fs.readFileSync(keys, 'utf8').trimEnd().split('\n');
    expect(lines.every((l) => /^(LOCAL_STATIC_PRIVATE_KEY|REMOTE_STATIC_PUBLIC_KEY|LOCAL_EPHEMERAL_PRIVATE_KEY|PRESHARED_KEY) = [A-Za-z0-9+/]{43}=$/.test(l))).toBe(true);
    const out = spawnSync(TSHARK, ['-r', path.join(c.dir, 'cap.pcap'), '-o', `wg.keylog_file:${keys}`, '-T', 'fields', '-e', 'wg.type', '-e', 'wg.handshake_ok', '-e', 'ip.src', '-e', 'ip.dst'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const rows = out.stdout.trimEnd().split('\n').map((l) => l.split('\t'));
    const wg = rows.filter((x) => x[0] !== '');
    expect(wg.some((x) => x[0] === '1')).toBe(true);
    // every response: handshake_ok
    const responses = wg.filter((x) => x[0] === '2');
    expect(responses.length).toBeGreaterThan(0);
    expect(responses.every((x) => x[1] === '1' || x[1] === 'True')).toBe(true);
    // every data message decrypts to an inner packet between two pod IPs
    const data = wg.filter((x) => x[0] === '4' && x[2]!.includes(','));
    const flows = r.json().flows.filter((f: any) => f.encrypted);
    expect(data.length).toBeGreaterThanOrEqual(flows.length);
    for (const f of flows) {
      expect(data.some((x) => x[2]!.split(',')[1] === f.source.ip && x[3]!.split(',')[1] === f.destination.ip)).toBe(true);
    }
  });
  if (!have) test('tshark is not installed at /usr/bin/tshark: the decryption test is skipped', () => undefined);
});
