// A summary-only --all-pairs run split over worker threads (compiled build, spawned bin/aks-wg) counts the same as
// a serial run, and leaves sessions the next command continues.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeTempDirs } from '../helpers/tmp.js';
import { unpackPeer, type DeviceSnapshot, type PeerSnapshot } from '../../src/fabric/device-snapshot.js';
import { makeCluster, MANIFEST, readCapture } from './helpers.js';

afterAll(removeTempDirs);

const BIN = path.resolve('bin/aks-wg');

/** Every saved peer of every node, decoded from sessions.json. */
function savedPeers(home: string): PeerSnapshot[] {
  const doc = JSON.parse(fs.readFileSync(path.join(home, 'clusters', 'rg', 'c', 'fabric', 'sessions.json'), 'utf8'));
  return Object.values(doc.data.nodes as Record<string, DeviceSnapshot>).flatMap((n) => Object.entries(n.peers).map(([key, packed]) => unpackPeer(key, packed)));
}

/** Run bin/aks-wg; `threads` undefined leaves $AKS_WG_THREADS unset (the command decides). */
function aksWg(home: string, cwd: string, args: string[], threads: string | undefined) {
  const env: NodeJS.ProcessEnv = { ...process.env, AKS_WG_HOME: home, AKS_WG_SEED: 'threads' };
  if (threads === undefined) delete env['AKS_WG_THREADS'];
  else env['AKS_WG_THREADS'] = threads;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sharded --all-pairs', () => {
  test('two threads give the serial summary; their sessions are saved and continued', async () => {
    const c = await makeCluster('wireguard', 'threads');
    const home = path.join(c.dir, 'state');
    const args = ['traffic', 'inspect', '-g', 'rg', '-n', 'c', '--all-pairs', '--query', 'summary', '-o', 'json'];
    const serial = aksWg(home, c.dir, args, '1');
    expect(serial.stderr).toBe('');
    const sharded = aksWg(home, c.dir, args, '2');
    expect(sharded.stderr).toBe('');
    expect(sharded.code).toBe(0);
    const s = JSON.parse(sharded.stdout);
    expect(s).toEqual(JSON.parse(serial.stdout));
    expect(s.encrypted).toBeGreaterThan(0);
    expect(s.unencryptedInterNodePod).toBe(0);
    // start afresh, shard, then a serial command on a pair the shards used: no new handshake
    const fresh = await makeCluster('wireguard', 'threads2');
    const home2 = path.join(fresh.dir, 'state');
    expect(aksWg(home2, fresh.dir, args, '2').code).toBe(0);
    const web = (await fresh.pods()).filter((p) => p.name.startsWith('web-'));
    const a = web[0]!;
    const b = web.find((p) => p.node !== a.node)!;
    const next = aksWg(home2, fresh.dir, ['traffic', 'inspect', '-g', 'rg', '-n', 'c', '--from', `default/${a.name}`, '--to', `default/${b.name}`, '--capture', 'n.pcap', '-o', 'json'], '1');
    expect(next.code).toBe(0);
    expect(JSON.parse(next.stdout).flows[0].encrypted).toBe(true);
    expect(readCapture(path.join(fresh.dir, 'n.pcap')).filter((p) => p.wgType === 1)).toEqual([]);
  });
});

describe('threads started ahead', () => {
  test('a run whose options allow sharding but whose cluster is too small runs serially, stops its threads and exits', async () => {
    const c = await makeCluster('wireguard', 'ahead');
    const home = path.join(c.dir, 'state');
    const args = ['traffic', 'inspect', '-g', 'rg', '-n', 'c', '--all-pairs', '--query', 'summary', '-o', 'json'];
    const serial = aksWg(home, c.dir, args, '1');
    // no $AKS_WG_THREADS: threads start (the options allow it), the pair count says no, the command must still end
    const decided = aksWg(home, c.dir, args, undefined);
    expect(decided.stderr).toBe('');
    expect(decided.code).toBe(0);
    expect(JSON.parse(decided.stdout)).toEqual(JSON.parse(serial.stdout));
    // and a command that fails after its threads started ends with its own error, not a hang
    const missing = aksWg(home, c.dir, ['traffic', 'inspect', '-g', 'rg', '-n', 'nope', '--all-pairs', '-o', 'none'], '2');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^ERROR: \(ResourceNotFound\)/);
  });
});

describe('sharded --all-pairs in time', () => {
  test('a --duration run over two threads counts every round as the serial run does and moves the clock as far', async () => {
    const run = async (threads: string) => {
      const c = await makeCluster('wireguard', `duration-threads-${threads}`);
      const home = path.join(c.dir, 'state');
      const args = ['traffic', 'inspect', '-g', 'rg', '-n', 'c', '--all-pairs', '--sample', '40', '--duration', '5m', '--interval', '30s', '--query', 'summary', '-o', 'json'];
      const r = aksWg(home, c.dir, args, threads);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const clock = JSON.parse(aksWg(home, c.dir, ['clock', 'show', '-g', 'rg', '-n', 'c', '-o', 'json'], '1').stdout);
      const peers = savedPeers(home);
      // five minutes of traffic rekeys each pair every 120 s: every peer's last handshake is from the run's last
      // two minutes, not from its start
      const ages = peers.map((p) => clock.timeMs - p.lastHandshakeAt!);
      const indices = peers.flatMap((p) => p.keypairs.map((k) => k.localIndex));
      return { summary: JSON.parse(r.stdout), elapsedMs: clock.elapsedMs, peers: ages.length, oldest: Math.max(...ages), indices: indices.sort() };
    };
    const serial = await run('1');
    const sharded = await run('2');
    expect(serial.summary.total).toBe(40 * 10);
    expect(sharded.summary).toEqual(serial.summary);
    expect(sharded.elapsedMs).toBe(5 * 60_000);
    expect(serial.elapsedMs).toBe(5 * 60_000);
    expect(sharded.peers).toBe(serial.peers);
    expect(sharded.peers).toBeGreaterThan(0);
    expect(serial.oldest).toBeLessThanOrEqual(120_000);
    expect(sharded.oldest).toBeLessThanOrEqual(120_000);
    // a pair draws from its shard's stream however the shards are spread: the same rekeys, the same indices
    expect(sharded.indices).toEqual(serial.indices);
  });
});

describe('sharded runs replay', () => {
  // 6 nodes and 24 web pods: 15 node pairs over the 8 virtual shards, so 2 and 4 threads each run several
  const build = async () => {
    const c = await makeCluster('wireguard', 'replay-threads');
    expect((await c.run('nodepool add -g rg --cluster-name c -n pool2 -c 3 -o none')).code).toBe(0);
    fs.writeFileSync(path.join(c.dir, 'web24.yaml'), MANIFEST.replace('replicas: 6', 'replicas: 24'));
    expect((await c.run('kubectl apply -f web24.yaml')).code).toBe(0);
    return c;
  };

  test('the same seed gives byte-identical sessions, capture and key log with 1, 2 and 4 threads', async () => {
    const runWith = async (threads: string) => {
      const c = await build();
      const home = path.join(c.dir, 'state');
      const sharded = aksWg(home, c.dir, ['traffic', 'inspect', '-g', 'rg', '-n', 'c', '--all-pairs', '--sample', '3000', '-o', 'none', '--debug'], threads);
      expect(sharded.code).toBe(0);
      // with more than one thread the run really was split (the DEBUG line names the threads)
      if (threads !== '1') expect(sharded.stderr).toContain(`over ${threads} threads`);
      const afterSharded = fs.readFileSync(path.join(home, 'clusters', 'rg', 'c', 'fabric', 'sessions.json'));
      // then a captured run (never sharded) in time, continuing and rekeying those sessions
      const captured = aksWg(
        home,
        c.dir,
        ['traffic', 'inspect', '-g', 'rg', '-n', 'c', '--all-pairs', '--sample', '400', '--duration', '4m', '--interval', '1m', '--capture', 'c.pcap', '--keylog', 'k.log', '-o', 'none'],
        threads,
      );
      expect(captured.code).toBe(0);
      return {
        afterSharded,
        capture: fs.readFileSync(path.join(c.dir, 'c.pcap')),
        keylog: fs.readFileSync(path.join(c.dir, 'k.log')),
        sessions: fs.readFileSync(path.join(home, 'clusters', 'rg', 'c', 'fabric', 'sessions.json')),
      };
    };
    const one = await runWith('1');
    expect(one.capture.length).toBeGreaterThan(1000);
    expect(one.keylog.length).toBeGreaterThan(0);
    for (const threads of ['2', '4']) {
      const other = await runWith(threads);
      expect(other.afterSharded.equals(one.afterSharded)).toBe(true);
      expect(other.capture.equals(one.capture)).toBe(true);
      expect(other.keylog.equals(one.keylog)).toBe(true);
      expect(other.sessions.equals(one.sessions)).toBe(true);
    }
  });
});
