// Simulated time: session rotation over --duration, a rolling restart of the agents, clock persistence.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeTempDirs } from '../helpers/tmp.js';
import { unpackPeer, type DeviceSnapshot } from '../../src/fabric/device-snapshot.js';
import { makeCluster, readCapture, type Cluster } from './helpers.js';

afterAll(removeTempDirs);

/** Two web pods on different nodes. */
async function pair(c: Cluster) {
  const web = (await c.pods()).filter((p) => p.name.startsWith('web-'));
  const a = web[0]!;
  const b = web.find((p) => p.node !== a.node)!;
  return { a, b };
}

describe('rotation', () => {
  let c: Cluster;
  let flows: any[];
  let packets: ReturnType<typeof readCapture>;
  let ips: { a: string; b: string; nodeA: string; nodeB: string };
  beforeAll(async () => {
    c = await makeCluster('wireguard', 'rotation');
    const { a, b } = await pair(c);
    fs.writeFileSync(path.join(c.dir, 'ab.yaml'), `- {from: default/${a.name}, to: default/${b.name}}\n- {from: default/${b.name}, to: default/${a.name}}\n`);
    const r = await c.run('traffic inspect -g rg -n c --flows ab.yaml --duration 10m --interval 1s --capture rot.pcap -o json');
    expect(r.code).toBe(0);
    flows = r.json().flows;
    packets = readCapture(path.join(c.dir, 'rot.pcap'));
    const nodes = (await c.run('kubectl get nodes -o json')).json().items as any[];
    const ipOf = (n: string) => nodes.find((x) => x.metadata.name === n).status.addresses.find((x: any) => x.type === 'InternalIP').address;
    ips = { a: a.ip, b: b.ip, nodeA: ipOf(a.node), nodeB: ipOf(b.node) };
  });

  test('600 rounds of two flows, all encrypted', () => {
    expect(flows).toHaveLength(1200);
    expect(flows.every((f) => f.encrypted)).toBe(true);
  });

  test('5 or 6 handshakes for the active peer pair in 10 minutes, visible in the capture and as new session indices', () => {
    const responses = packets.filter((p) => p.wgType === 2);
    const initiations = packets.filter((p) => p.wgType === 1);
    expect(responses.length).toBeGreaterThanOrEqual(5);
    expect(responses.length).toBeLessThanOrEqual(6);
    expect(initiations.length).toBe(responses.length);
    for (const p of responses) expect([p.src, p.dst].sort()).toEqual([ips.nodeA, ips.nodeB].sort());
    const sessionsAB = new Set(flows.filter((f) => f.source.ip === ips.a).map((f) => f.wireguard.session));
    expect(sessionsAB.size).toBe(responses.length);
    expect(Math.max(...flows.map((f) => f.wireguard.sessionAgeSeconds))).toBeLessThan(180);
  });

  test('no packet is sent on a session older than 180 s (REJECT_AFTER_TIME), read from the capture', () => {
    // a session starts with the response: its sender is the responder's index, its receiver the initiator's
    const started = new Map<number, number>();
    for (const p of packets) if (p.wgType === 2) {
      started.set(p.sender!, p.timeMs);
      started.set(p.receiver!, p.timeMs);
    }
    const transport = packets.filter((p) => p.wgType === 4);
    expect(transport.length).toBeGreaterThan(1200);
    let oldest = 0;
    for (const p of transport) {
      const t0 = started.get(p.receiver!);
      expect(t0).toBeDefined();
      oldest = Math.max(oldest, p.timeMs - t0!);
    }
    expect(oldest).toBeLessThan(180_000);
    // and rekeying happens around 120 s
    const times = packets.filter((p) => p.wgType === 2).map((p) => p.timeMs);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(120_000);
  });

  test('the clock moved 10 minutes and later inspects continue the same sessions', async () => {
    const lastSession = flows[flows.length - 2].wireguard.session;
    const r = await c.run('traffic inspect -g rg -n c --flows ab.yaml --capture again.pcap -o json');
    const again = r.json().flows;
    // the session from the previous command carries the first packet; it is 120 s old, so the initiator rekeys
    expect(again[0].wireguard.session).toBe(lastSession);
    expect(again[0].wireguard.sessionAgeSeconds).toBe(120);
    expect(readCapture(path.join(c.dir, 'again.pcap')).filter((p) => p.wgType === 1)).toHaveLength(1);
    // the next command continues the fresh session: no handshake at all
    const third = await c.run('traffic inspect -g rg -n c --flows ab.yaml --capture third.pcap -o json');
    expect(third.json().flows[0].wireguard.session).not.toBe(lastSession);
    expect(readCapture(path.join(c.dir, 'third.pcap')).filter((p) => p.wgType === 1 || p.wgType === 2)).toEqual([]);
  });
});

describe('rolling update', () => {
  test('while the agents restart some inter-node flows are unencrypted; after, none', async () => {
    const c = await makeCluster('cilium-only', 'rolling');
    const { a, b } = await pair(c);
    const up = await c.run('cluster update -g rg -n c --enable-wireguard --no-wait -o none');
    expect(up.code).toBe(0);
    fs.writeFileSync(path.join(c.dir, 'ab.yaml'), `- {from: default/${a.name}, to: default/${b.name}}\n- {from: default/${b.name}, to: default/${a.name}}\n`);
    const r = await c.run('traffic inspect -g rg -n c --flows ab.yaml --duration 40s --interval 1s -o json');
    expect(r.code).toBe(0);
    const flows = r.json().flows as any[];
    const first = flows.slice(0, 2);
    const last = flows.slice(-2);
    expect(first.every((f) => !f.encrypted && f.verdict === 'FORWARDED')).toBe(true);
    expect(first[0].reason).toMatch(/runs without WireGuard \(the rolling restart/);
    expect(last.every((f) => f.encrypted)).toBe(true);
    // the switch happens once, when the later of the two nodes is back
    const firstEncrypted = flows.findIndex((f) => f.encrypted);
    expect(firstEncrypted).toBeGreaterThan(0);
    expect(flows.slice(firstEncrypted).every((f) => f.encrypted)).toBe(true);
    // after the rollout (the clock moved on with the run), the whole cluster is encrypted
    const after = await c.run('traffic inspect -g rg -n c --fail-on-unencrypted -o json --query summary');
    expect(after.code).toBe(0);
    expect(after.json().unencryptedInterNodePod).toBe(0);
    expect(after.json().encrypted).toBeGreaterThan(0);
  });
});

describe('session persistence', () => {
  test('sessions of peers a command did not use are kept for the next one', async () => {
    const c = await makeCluster('wireguard', 'persist');
    const web = (await c.pods()).filter((p) => p.name.startsWith('web-'));
    const nodes = [...new Set(web.map((p) => p.node))].sort();
    const on = (i: number) => web.find((p) => p.node === nodes[i])!;
    const run = async (from: string, to: string) => {
      const r = await c.run(`traffic inspect -g rg -n c --from default/${from} --to default/${to} --capture p.pcap -o json`);
      expect(r.code).toBe(0);
      return { flow: r.json().flows[0], handshakes: readCapture(path.join(c.dir, 'p.pcap')).filter((p) => p.wgType === 1).length };
    };
    const first = await run(on(0).name, on(1).name);
    expect(first.handshakes).toBe(1);
    const other = await run(on(1).name, on(2).name); // node 1 uses its peer for node 2 only
    expect(other.handshakes).toBe(1);
    const again = await run(on(0).name, on(1).name);
    expect(again.handshakes).toBe(0);
    expect(again.flow.wireguard.session).toBe(first.flow.wireguard.session);
    // the saved sessions never show up in any output, and the file is private
    const file = path.join(c.dir, 'state', 'clusters', 'rg', 'c', 'fabric', 'sessions.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')).data.nodes as Record<string, DeviceSnapshot>;
    const records = Object.values(saved).flatMap((d) => Object.entries(d.peers));
    const keys = records.flatMap(([key, packed]) => unpackPeer(key, packed).keypairs.flatMap((k) => [k.sendKey, k.receiveKey]));
    expect(keys.length).toBeGreaterThan(0);
    const out = (await c.run('traffic inspect -g rg -n c -o json')).stdout + (await c.run('traffic inspect -g rg -n c -o yaml')).stdout;
    for (const k of keys) {
      expect(out).not.toContain(Buffer.from(k).toString('hex'));
      expect(out).not.toContain(Buffer.from(k).toString('base64'));
    }
    for (const [, packed] of records) expect(out).not.toContain(packed);
  });
});
