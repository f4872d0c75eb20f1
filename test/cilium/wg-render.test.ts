// `wg show`, `wg showconf` and `wg show latest-handshakes` renderings of a device (cilium/wg-render.ts).
import { seededRng } from '../../src/platform/rng.js';
import { formatAgo, formatBytes, formatDuration, renderLatestHandshakes, renderShow, renderShowConf } from '../../src/cilium/wg-render.js';
import { encodeKey, generatePresharedKey, type PresharedKey } from '../../src/wireguard/keys.js';
import { A_IP, B_IP, ipv4Packet, makePair } from '../wireguard/sim.js';

describe('wg show formatting', () => {
  test('bytes', () => {
    expect([0, 1023, 1024, 1536, 1048576 * 1.5, 1024 ** 3 * 2].map(formatBytes)).toEqual(['0 B', '1023 B', '1.00 KiB', '1.50 KiB', '1.50 MiB', '2.00 GiB']);
  });
  test('durations and "ago"', () => {
    expect(formatDuration(65)).toBe('1 minute, 5 seconds');
    expect(formatDuration(3600 + 60 + 1)).toBe('1 hour, 1 minute, 1 second');
    expect(formatDuration(2 * 86400 + 7200)).toBe('2 days, 2 hours');
    expect(formatAgo(1_000, 1_500)).toBe('Now');
    expect(formatAgo(1_000, 5_000)).toBe('4 seconds ago');
  });
});

describe('wg show of a device', () => {
  test('wg show and showconf', () => {
    const psk = generatePresharedKey(seededRng('psk')) as PresharedKey;
    const p = makePair({ psk });
    p.a.sendPacket(ipv4Packet(A_IP, B_IP));
    p.flush();
    p.clock.advance(65_000);
    const show = renderShow(p.a, 'wg0');
    expect(show).toBe(
      [
        'interface: wg0',
        `  public key: ${encodeKey(p.a.publicKey)}`,
        '  private key: (hidden)',
        '  listening port: 51001',
        '',
        `peer: ${encodeKey(p.b.publicKey)}`,
        '  preshared key: (hidden)',
        '  endpoint: 127.0.0.1:51002',
        '  allowed ips: 10.9.0.2/32',
        '  latest handshake: 1 minute, 5 seconds ago',
        '  transfer: 92 B received, 276 B sent',
        '',
      ].join('\n'),
    );
    expect(show).not.toContain(encodeKey(p.a.revealPrivateKey()));
    const conf = renderShowConf(p.a);
    expect(conf).toContain('PrivateKey = (hidden)');
    expect(conf).toContain('AllowedIPs = 10.9.0.2/32');
    expect(conf).toContain('Endpoint = 127.0.0.1:51002');
    expect(renderShowConf(p.a, { revealKeys: true })).toContain(`PrivateKey = ${encodeKey(p.a.revealPrivateKey())}`);
    expect(renderLatestHandshakes(p.a)).toBe(`${encodeKey(p.b.publicKey)}\t${Math.floor((p.clock.now() - 65_000) / 1000)}\n`);
  });

});
