// tshark decrypts a capture of engine traffic with the engine's key log: the handshake verifies and the inner
// ICMP addresses appear. Skipped, with a message naming what is missing, when tshark is not installed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatKeyLog } from '../../src/wireguard/device.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';
import { A_ENDPOINT, A_IP, B_ENDPOINT, B_IP, ipv4Packet, makePair } from './sim.js';
import { ipv4Udp, missingTools, pcapFile, runCommand } from './tools.js';

afterEach(removeTempDirs);

const missing = missingTools(['tshark']);
if (missing.length) console.warn(`SKIPPED tshark decryption test: missing ${missing.join(', ')}`);
const maybe = missing.length ? describe.skip : describe;

maybe('tshark decrypts engine traffic', () => {
  test.each([
    ['without a preshared key', false],
    ['with a preshared key', true],
  ])('%s: handshake_ok 1, inner addresses visible', async (_label, withPsk) => {
    const psk = withPsk ? (new Uint8Array(32).fill(7) as never) : undefined;
    const p = makePair({ seed: `tshark-${withPsk}`, psk });
    // ping A → B and back, three times
    for (let i = 1; i <= 3; i++) {
      p.a.sendPacket(ipv4Packet(A_IP, B_IP, 56, i));
      p.flush();
      p.b.sendPacket(ipv4Packet(B_IP, A_IP, 56, i));
      p.flush();
      p.clock.advance(1000);
    }
    const packets = p.sent.map((s) => {
      const [from, to] = s.from === 'a' ? [A_ENDPOINT, B_ENDPOINT] : [B_ENDPOINT, A_ENDPOINT];
      return { atMs: s.at, data: ipv4Udp(from.address, from.port, to.address, to.port, s.datagram) };
    });
    const dir = makeTempDir();
    const cap = path.join(dir, 'cap.pcap');
    const keys = path.join(dir, 'keys.txt');
    fs.writeFileSync(cap, pcapFile(packets));
    // the initiator's key log alone must be enough
    fs.writeFileSync(keys, p.keyLog.slice(0, 1).map(formatKeyLog).join(''));
    const r = await runCommand('tshark', [
      '-r', cap,
      '-o', `wg.keylog_file:${keys}`,
      '-T', 'fields',
      '-e', 'wg.type', '-e', 'wg.receiver', '-e', 'wg.counter', '-e', 'wg.handshake_ok', '-e', 'ip.src', '-e', 'ip.dst',
    ]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(rows).toHaveLength(p.sent.length);
    const types = rows.map((row) => row[0]);
    expect(types.slice(0, 3)).toEqual(['1', '2', '4']);
    // Wireshark marks the handshake verified on the response, once both messages decrypted under the key log
    expect(rows[1]![3]).toBe('1');
    // every data packet shows its inner addresses after the outer ones
    const data = rows.filter((row) => row[0] === '4' && row[4]!.split(',').length === 2);
    expect(data.length).toBe(6);
    for (const row of data) {
      const srcs = row[4]!.split(',');
      const dsts = row[5]!.split(',');
      expect(srcs[0]).toBe('127.0.0.1');
      expect(new Set([srcs[1], dsts[1]])).toEqual(new Set([A_IP, B_IP]));
    }
    // negative control: without the key log nothing decrypts
    fs.writeFileSync(keys, '');
    const blind = await runCommand('tshark', ['-r', cap, '-o', `wg.keylog_file:${keys}`, '-T', 'fields', '-e', 'wg.handshake_ok', '-e', 'ip.src']);
    expect(blind.stdout).not.toContain(A_IP);
    expect(blind.stdout.split('\n').some((l) => l.startsWith('1\t'))).toBe(false);
  });
});
