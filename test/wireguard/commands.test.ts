// `aks-wg wg genkey|pubkey|genpsk|ping|listen` through main(), and ping ↔ listen over real UDP on 127.0.0.1.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemClock } from '../../src/platform/clock.js';
import { systemRng } from '../../src/platform/rng.js';
import { wgListen } from '../../src/commands/wg/listen.js';
import { decodeKey, encodeKey, parsePrivateKey, publicKeyFromPrivate } from '../../src/wireguard/keys.js';
import { run, testEnv } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';
import { handshakeVector as V } from './vectors.js';

afterEach(removeTempDirs);

describe('wg genkey | pubkey | genpsk', () => {
  test('genkey prints a clamped 44-character key and a newline; pubkey derives the public key', async () => {
    const gen = await run('wg genkey', { seed: 'k' });
    expect(gen.code).toBe(0);
    expect(gen.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    const raw = decodeKey(gen.stdout.trim());
    expect(raw[0]! & 7).toBe(0);
    expect(raw[31]! & 0xc0).toBe(0x40);
    const pub = await run('wg pubkey', { stdin: gen.stdout });
    expect(pub.code).toBe(0);
    expect(pub.stdout).toBe(`${encodeKey(publicKeyFromPrivate(parsePrivateKey(gen.stdout.trim())))}\n`);
    expect(pub.stdout).not.toBe(gen.stdout);
  });

  test('pubkey of the vector key matches the vector', async () => {
    const r = await run('wg pubkey', { stdin: `${V['initiatorStaticPrivate']}\n` });
    expect(r.stdout).toBe(`${V['initiatorStaticPublic']}\n`);
  });

  test('genpsk: 32 random bytes, different each time', async () => {
    const env = testEnv({ seed: 'psk' });
    const a = await run('wg genpsk', { env });
    const b = await run('wg genpsk', { env });
    expect(decodeKey(a.stdout.trim())).toHaveLength(32);
    expect(a.stdout).not.toBe(b.stdout);
  });

  test.each([
    ['', 'Key is not the correct length or format'],
    ['abc\n', 'Key is not the correct length or format'],
    [` ${V['initiatorStaticPrivate']}`, 'Key is not the correct length or format'],
    [`${V['initiatorStaticPrivate']!.slice(0, 42)}!=`, 'Key is not the correct length or format'],
    [`${V['initiatorStaticPrivate']!.slice(0, 42)}B=`, 'Key is not the correct length or format'],
    [`${V['initiatorStaticPrivate']} x`, 'Trailing characters found after key'],
    [`${V['initiatorStaticPrivate']}A`, 'Trailing characters found after key'],
  ])('pubkey rejects %j', async (stdin, message) => {
    const r = await run('wg pubkey', { stdin });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`ERROR: ${message}\n`);
  });
});

describe('wg ping ↔ wg listen over UDP on 127.0.0.1', () => {
  test('ping handshakes with listen and gets replies; listen logs and shows the peer', async () => {
    const dir = makeTempDir();
    const env = { ...testEnv(), clock: systemClock, rng: systemRng, cwd: dir };
    const aKey = (await run('wg genkey', { env })).stdout;
    const bKey = (await run('wg genkey', { env })).stdout;
    fs.writeFileSync(path.join(dir, 'a.key'), aKey);
    fs.writeFileSync(path.join(dir, 'b.key'), bKey);
    const aPub = encodeKey(publicKeyFromPrivate(parsePrivateKey(aKey.trim())));
    const bPub = encodeKey(publicKeyFromPrivate(parsePrivateKey(bKey.trim())));
    let stop = false;
    let port = 0;
    const listenEnv = { ...testEnv(), clock: systemClock, rng: systemRng, cwd: dir };
    const listening = wgListen(
      {
        privateKey: parsePrivateKey(bKey.trim()),
        listenPort: 0,
        bindAddress: '127.0.0.1',
        peer: decodeKey(aPub) as never,
        allowedIps: ['10.9.0.2/32'],
        address: '10.9.0.1',
        stop: () => stop,
        onListening: (p) => (port = p),
      },
      listenEnv,
    );
    while (port === 0) await new Promise((r) => setTimeout(r, 5));
    const ping = await run(
      ['wg', 'ping', '10.9.0.1', '--private-key', 'a.key', '--peer', bPub, '--endpoint', `127.0.0.1:${port}`, '--address', '10.9.0.2', '-c', '3', '--timeout', '10', '--key-log', 'keys.txt'],
      { env },
    );
    stop = true;
    const served = await listening;
    expect(ping.stderr).toBe('');
    expect(ping.code).toBe(0);
    const lines = ping.stdout.split('\n');
    expect(lines[0]).toBe(`PING 10.9.0.1 (10.9.0.1) from 10.9.0.2 via 127.0.0.1:${port}: 56(84) bytes of data.`);
    expect(lines.filter((l) => /^64 bytes from 10\.9\.0\.1: icmp_seq=\d ttl=64 time=[\d.]+ ms$/.test(l))).toHaveLength(3);
    expect(ping.stdout).toContain('3 packets transmitted, 3 received, 0% packet loss');
    expect(served.echoesAnswered).toBe(3);
    expect(served.handshakes).toBe(1);
    expect(listenEnv.stderr.text()).toMatch(/echo request from 10\.9\.0\.2 icmp_seq=1: replied/);
    expect(listenEnv.stdout.text()).toContain(`peer: ${aPub}`);
    expect(listenEnv.stdout.text()).toContain('latest handshake:');
    // no private key anywhere in the output; the key log holds exactly what was asked
    for (const text of [ping.stdout, ping.stderr, listenEnv.stdout.text(), listenEnv.stderr.text()]) {
      expect(text).not.toContain(aKey.trim());
      expect(text).not.toContain(bKey.trim());
    }
    const keylog = fs.readFileSync(path.join(dir, 'keys.txt'), 'utf8');
    expect(keylog).toContain(`LOCAL_STATIC_PRIVATE_KEY = ${aKey.trim()}`);
    expect((fs.statSync(path.join(dir, 'keys.txt')).mode & 0o777).toString(8)).toBe('600');
  });

  test('ping with no peer listening: exit 1, "no handshake"', async () => {
    const dir = makeTempDir();
    const env = { ...testEnv(), clock: systemClock, rng: systemRng, cwd: dir };
    fs.writeFileSync(path.join(dir, 'a.key'), (await run('wg genkey', { env })).stdout);
    const peer = (await run('wg pubkey', { stdin: (await run('wg genkey', { env })).stdout })).stdout.trim();
    // a bound but silent UDP port
    const dgram = await import('node:dgram');
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const r = await run(
      ['wg', 'ping', '10.9.0.1', '--private-key', 'a.key', '--peer', peer, '--endpoint', `127.0.0.1:${silent.address().port}`, '--address', '10.9.0.2', '-c', '1', '--timeout', '1'],
      { env },
    );
    silent.close();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('1 packets transmitted, 0 received, 100% packet loss');
    expect(r.stderr).toMatch(new RegExp(`^ERROR: no handshake with peer ${peer.replace(/[+/]/g, '\\$&')} at 127\\.0\\.0\\.1:\\d+ within 1 s\n$`));
  });

  test('bad flags: bad key file, bad endpoint, low-order peer', async () => {
    const dir = makeTempDir();
    const env = { ...testEnv(), cwd: dir };
    fs.writeFileSync(path.join(dir, 'bad.key'), 'not a key\n');
    fs.writeFileSync(path.join(dir, 'a.key'), `${V['initiatorStaticPrivate']}\n`);
    const base = ['wg', 'ping', '10.9.0.1', '--peer', V['responderStaticPublic']!, '--address', '10.9.0.2'];
    let r = await run([...base, '--private-key', 'bad.key', '--endpoint', '127.0.0.1:1'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ERROR: --private-key bad.key: Key is not the correct length or format\n');
    expect(r.stderr).not.toContain('not a key');
    r = await run([...base, '--private-key', 'a.key', '--endpoint', 'localhost'], { env });
    expect(r.stderr).toBe('ERROR: --endpoint: expected HOST:PORT with an IP address, got "localhost"\n');
    r = await run(['wg', 'ping', '10.9.0.1', '--peer', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', '--address', '10.9.0.2', '--private-key', 'a.key', '--endpoint', '127.0.0.1:1'], { env });
    expect(r.stderr).toBe('ERROR: --peer: Public key is a low-order point\n');
    r = await run(['wg', 'ping', '10.9.0.1', '--address', '10.9.0.2'], { env });
    expect(r.code).toBe(2);
  });
});

test('listen on a port already in use: a clear error, exit 1', async () => {
  const dir = makeTempDir();
  const env = { ...testEnv(), cwd: dir };
  fs.writeFileSync(path.join(dir, 'b.key'), `${V['responderStaticPrivate']}\n`);
  const dgram = await import('node:dgram');
  const busy = dgram.createSocket('udp4');
  await new Promise<void>((r) => busy.bind(0, '127.0.0.1', () => r()));
  const port = busy.address().port;
  const r = await run(
    ['wg', 'listen', '--private-key', 'b.key', '--listen-port', String(port), '--peer', V['initiatorStaticPublic']!, '--allowed-ips', '10.9.0.2/32', '--address', '10.9.0.1', '--timeout', '1'],
    { env },
  );
  busy.close();
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`ERROR: cannot bind UDP 127.0.0.1:${port}: EADDRINUSE\n`);
});
