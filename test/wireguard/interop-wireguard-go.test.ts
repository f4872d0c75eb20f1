// Interop with a real peer: the engine (as the built CLI, on a UDP socket on 127.0.0.1) handshakes with
// wireguard-go both as initiator (`wg ping`, answered by the kernel) and as responder (`wg listen`, pinged from the
// kernel through the wireguard-go interface), confirmed by `wg show <if> latest-handshakes`. Everything runs in a
// network namespace created for the test and deleted after it. Skipped, naming what is missing, without root,
// /dev/net/tun, wireguard-go, wg, ip or ping.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';
import { interopPrerequisites, runCommand } from './tools.js';

const missing = interopPrerequisites(['wireguard-go', 'wg', 'ip', 'ping']);
if (missing.length) console.warn(`SKIPPED wireguard-go interop test: missing ${missing.join(', ')}`);
const maybe = missing.length ? describe.skip : describe;

const NS = `akswg${process.pid}`;
const IFACE = `akswg${process.pid % 100000}`;
const GO_PORT = 51820;
const ENGINE_PORT = 51821;

maybe('interop with wireguard-go', () => {
  let dir = '';
  let distDir = '';
  let runner = '';
  let goProcess: ChildProcess | undefined;
  let goPub = '';
  let enginePub = '';
  const inNs = (cmd: string, args: string[], timeoutMs = 30_000) => runCommand('ip', ['netns', 'exec', NS, cmd, ...args], { timeoutMs });
  const latestHandshake = async (): Promise<number> => {
    const r = await inNs('wg', ['show', IFACE, 'latest-handshakes']);
    const line = r.stdout.split('\n').find((l) => l.startsWith(enginePub));
    return line ? Number(line.split('\t')[1]) : NaN;
  };

  beforeAll(async () => {
    dir = makeTempDir();
    // build the CLI into a private directory under node_modules (so packages resolve) without touching dist/
    distDir = path.join(process.cwd(), 'node_modules', '.cache', `aks-wg-interop-${process.pid}`);
    await runCommand(path.join(process.cwd(), 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', distDir], { timeoutMs: 120_000 });
    runner = path.join(distDir, 'run.mjs');
    fs.writeFileSync(
      runner,
      "import { main } from './cli/main.js';\nimport { nodeEnv } from './platform/env.js';\nprocess.exitCode = await main(nodeEnv(), process.argv.slice(2));\n",
    );
    const engineKey = (await runCommand('node', [runner, 'wg', 'genkey'])).stdout;
    fs.writeFileSync(path.join(dir, 'engine.key'), engineKey, { mode: 0o600 });
    enginePub = (await runCommand('node', [runner, 'wg', 'pubkey'], { input: engineKey })).stdout.trim();
    const goKey = execFileSync('wg', ['genkey']).toString();
    fs.writeFileSync(path.join(dir, 'go.key'), goKey, { mode: 0o600 });
    goPub = execFileSync('wg', ['pubkey'], { input: goKey }).toString().trim();
    // namespace, wireguard-go interface, configuration
    execFileSync('ip', ['netns', 'add', NS]);
    execFileSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
    goProcess = spawn('ip', ['netns', 'exec', NS, 'wireguard-go', '-f', IFACE], {
      env: { ...process.env, WG_PROCESS_FOREGROUND: '1' },
      stdio: 'ignore',
    });
    for (let i = 0; i < 100 && (await inNs('ip', ['link', 'show', IFACE])).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync('ip', ['netns', 'exec', NS, 'wg', 'set', IFACE, 'private-key', path.join(dir, 'go.key'), 'listen-port', String(GO_PORT)]);
    execFileSync('ip', ['netns', 'exec', NS, 'ip', 'addr', 'add', '10.9.0.1/24', 'dev', IFACE]);
    execFileSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', IFACE, 'up']);
  }, 180_000);

  afterAll(async () => {
    if (goProcess?.pid) {
      try {
        process.kill(goProcess.pid);
      } catch {
        // already gone
      }
    }
    // wireguard-go runs under `ip netns exec`; deleting the namespace removes its interface
    await runCommand('ip', ['netns', 'pids', NS]).then(async (r) => {
      for (const pid of r.stdout.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid));
        } catch {
          // gone
        }
      }
    });
    await new Promise((r) => setTimeout(r, 200));
    await runCommand('ip', ['netns', 'del', NS]);
    if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
    removeTempDirs();
  });

  const setGoPeer = async () => {
    // a fresh peer entry: no session left over from the previous test
    await inNs('wg', ['set', IFACE, 'peer', enginePub, 'remove']);
    const r = await inNs('wg', ['set', IFACE, 'peer', enginePub, 'endpoint', `127.0.0.1:${ENGINE_PORT}`, 'allowed-ips', '10.9.0.2/32']);
    expect(r.code).toBe(0);
  };

  test('engine as initiator: aks-wg wg ping 10.9.0.1 is answered by the kernel through wireguard-go', async () => {
    await setGoPeer();
    expect(await latestHandshake()).toBe(0);
    const before = Math.floor(Date.now() / 1000);
    const r = await inNs('node', [
      runner, 'wg', 'ping', '10.9.0.1',
      '--private-key', path.join(dir, 'engine.key'),
      '--peer', goPub,
      '--endpoint', `127.0.0.1:${GO_PORT}`,
      '--listen-port', String(ENGINE_PORT),
      '--address', '10.9.0.2',
      '-c', '3', '--timeout', '15',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^64 bytes from 10\.9\.0\.1: icmp_seq=\d ttl=64 time=/.test(l))).toHaveLength(3);
    const hs = await latestHandshake();
    expect(hs).toBeGreaterThanOrEqual(before - 1);
    expect(hs).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
  }, 60_000);

  test('engine as responder: aks-wg wg listen answers pings sent through the wireguard-go interface', async () => {
    await setGoPeer();
    expect(await latestHandshake()).toBe(0);
    const listen = spawn('ip', [
      'netns', 'exec', NS, 'node', runner, 'wg', 'listen',
      '--private-key', path.join(dir, 'engine.key'),
      '--listen-port', String(ENGINE_PORT),
      '--peer', goPub,
      '--allowed-ips', '10.9.0.1/32',
      '--address', '10.9.0.2',
      '--timeout', '12',
    ]);
    let stderr = '';
    let stdout = '';
    listen.stderr!.on('data', (d) => (stderr += String(d)));
    listen.stdout!.on('data', (d) => (stdout += String(d)));
    const exited = new Promise<number>((resolve) => listen.on('exit', (code) => resolve(code ?? -1)));
    for (let i = 0; i < 200 && !stderr.includes('listening on'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(stderr).toContain(`listening on 127.0.0.1:${ENGINE_PORT}`);
    const before = Math.floor(Date.now() / 1000);
    const ping = await inNs('ping', ['-c', '3', '-i', '0.3', '-W', '3', '10.9.0.2']);
    expect(ping.stdout).toContain('3 packets transmitted, 3 received');
    expect(ping.code).toBe(0);
    const hs = await latestHandshake();
    expect(hs).toBeGreaterThanOrEqual(before - 1);
    listen.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain(`handshake initiation from peer ${goPub} at 127.0.0.1:${GO_PORT}: answered`);
    expect(stderr).toMatch(/echo request from 10\.9\.0\.1 icmp_seq=3: replied/);
    expect(stderr).toContain('interrupted');
    expect(stdout).toContain(`peer: ${goPub}`);
  }, 60_000);
});
