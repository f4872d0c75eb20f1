// Small pieces: key text, low-order points, TAI64N, padding, AllowedIPs, and key log lines.
import { AllowedIps } from '../../src/wireguard/allowed-ips.js';
import { formatIp, formatPrefix, parseIp, parsePrefix, type Prefix } from '../../src/net/ip.js';
import { formatKeyLog } from '../../src/wireguard/device.js';
import { decodeKey, encodeKey, fromBase64, fromHex, isLowOrderPublicKey, KeyFormatError, parsePrivateKey, toBase64 } from '../../src/wireguard/keys.js';
import { compareTai64n, tai64n } from '../../src/wireguard/tai64n.js';
import { paddedLength } from '../../src/wireguard/transport.js';
import { backends, hexOf } from './vectors.js';

describe('keys', () => {
  test('base64 round trip and strictness', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const text = encodeKey(bytes as never);
    expect(text).toBe(Buffer.from(bytes).toString('base64'));
    expect(hexOf(decodeKey(text))).toBe(hexOf(bytes));
    for (const bad of ['', text.slice(0, 43), `${text}=`, `${text.slice(0, 43)}A`, `${text.slice(0, 42)}B=`, `${text.slice(0, 10)}*${text.slice(11)}`, `${text.slice(0, 10)}é${text.slice(11)}`]) {
      expect(() => decodeKey(bad)).toThrow(KeyFormatError);
    }
    expect(toBase64(Uint8Array.of(1, 2))).toBe('AQI=');
    expect(toBase64(Uint8Array.of(1))).toBe('AQ==');
  });

  test('toBase64 and fromBase64 match standard base64 at every length; fromBase64 refuses what is not base64', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(Buffer.from(fromBase64(text))).toEqual(Buffer.from(bytes));
        const into = new Uint8Array(400);
        expect(Buffer.from(fromBase64(text, into))).toEqual(Buffer.from(bytes));
      }),
      { numRuns: 500 },
    );
    expect(toBase64(new Uint8Array(20_000))).toBe(Buffer.alloc(20_000).toString('base64'));
    for (const bad of ['A', 'AB=', 'A=BC', '====', 'AB*D', 'ABC\u00e9']) expect(() => fromBase64(bad)).toThrow(RangeError);
  });

  test('errors never echo the key text', () => {
    const secret = `${encodeKey(new Uint8Array(32).fill(9) as never).slice(0, 42)}B=`;
    try {
      parsePrivateKey(secret);
    } catch (e) {
      expect(String(e)).not.toContain(secret.slice(0, 20));
    }
  });

  test.each(backends)('every listed low-order point (and its high-bit twin) gives no shared secret on %s', (_n, backend) => {
    const priv = parsePrivateKey('AKeZaHwBxjiKLFnkY2unvEdOTtg4AL+M9dQXfopFVFk=');
    const points = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const hex of points) {
      for (const p of [fromHex(hex), Uint8Array.from(fromHex(hex), (b, i) => (i === 31 ? b | 0x80 : b))]) {
        expect(isLowOrderPublicKey(p)).toBe(true);
        expect(backend.x25519(priv, p)).toBeNull();
      }
    }
  });
});

describe('TAI64N', () => {
  test('layout, whitening and ordering', () => {
    const t = tai64n(Date.UTC(2018, 6, 20, 22, 14, 3, 999));
    expect(hexOf(t.subarray(0, 8))).toBe((0x400000000000000an + BigInt(Date.UTC(2018, 6, 20, 22, 14, 3) / 1000)).toString(16).padStart(16, '0'));
    const nanos = new DataView(t.buffer).getUint32(8, false);
    expect(nanos % (1 << 24)).toBe(0);
    expect(nanos).toBeLessThanOrEqual(999_000_000);
    expect(compareTai64n(tai64n(1000), tai64n(1001))).toBe(0); // same 2^24 ns bucket
    expect(compareTai64n(tai64n(1000), tai64n(1020))).toBeLessThan(0);
    expect(compareTai64n(tai64n(2000), tai64n(1999))).toBeGreaterThan(0);
  });
});

describe('padding', () => {
  test.each([
    [0, 0],
    [1, 16],
    [16, 16],
    [84, 96],
    [1404, 1408],
    [1412, 1420], // would round to 1424: clamped at the MTU
    [1420, 1420],
    [1500, 1500], // beyond the MTU: only the last MTU unit (80 bytes) is padded
    [1505, 1516],
  ])('%i bytes → %i with MTU 1420', (n, padded) => {
    expect(paddedLength(n, 1420)).toBe(padded);
  });
});

describe('AllowedIPs', () => {
  test('longest prefix wins, IPv4 and IPv6 apart, removal', () => {
    const t = new AllowedIps<string>();
    t.insert(parsePrefix('10.0.0.0/8')!, 'wide');
    t.insert(parsePrefix('10.1.0.0/16')!, 'narrow');
    t.insert(parsePrefix('10.1.2.3/32')!, 'host');
    t.insert(parsePrefix('::/0')!, 'v6default');
    t.insert(parsePrefix('0.0.0.0/0')!, 'v4default');
    expect(t.lookup(parseIp('10.1.2.3')!)).toBe('host');
    expect(t.lookup(parseIp('10.1.9.9')!)).toBe('narrow');
    expect(t.lookup(parseIp('10.200.0.1')!)).toBe('wide');
    expect(t.lookup(parseIp('192.168.0.1')!)).toBe('v4default');
    expect(t.lookup(parseIp('fd00::1')!)).toBe('v6default');
    t.removeValue('narrow');
    expect(t.lookup(parseIp('10.1.9.9')!)).toBe('wide');
    expect(t.prefixesOf('host').map(formatPrefix)).toEqual(['10.1.2.3/32']);
  });

  test('parsing and formatting', () => {
    expect(formatPrefix(parsePrefix('10.1.2.3/24')!)).toBe('10.1.2.0/24');
    expect(formatPrefix(parsePrefix('fd00:0:0::1/128')!)).toBe('fd00::1/128');
    expect(formatIp(parseIp('::ffff:1.2.3.4')!)).toBe('::ffff:102:304');
    expect(formatIp(parseIp('2001:db8::')!)).toBe('2001:db8::');
    for (const bad of ['10.0.0.256', '10.0.0', '10.0.0.1/33', '01.0.0.1', 'fd00::1::2', '10.0.0.1/', 'x']) expect(parsePrefix(bad)).toBeNull();
  });
});

describe('key log', () => {
  test('key log lines', () => {
    const k = (b: number) => new Uint8Array(32).fill(b) as never;
    expect(formatKeyLog({ localStaticPrivate: k(1), remoteStaticPublic: k(2), localEphemeralPrivate: k(3), presharedKey: k(0) })).toBe(
      [
        `LOCAL_STATIC_PRIVATE_KEY = ${encodeKey(k(1))}`,
        `REMOTE_STATIC_PUBLIC_KEY = ${encodeKey(k(2))}`,
        `LOCAL_EPHEMERAL_PRIVATE_KEY = ${encodeKey(k(3))}`,
        `PRESHARED_KEY = ${encodeKey(k(0))}`,
        '',
      ].join('\n'),
    );
  });
});

describe('AllowedIPs bookkeeping', () => {
  test('property: lookups match a linear longest-prefix scan after random inserts and removals', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('insert' as const), a: fc.integer({ min: 0, max: 255 }), b: fc.integer({ min: 0, max: 3 }), bits: fc.oneof(fc.constant(32), fc.integer({ min: 0, max: 32 })), v: fc.integer({ min: 0, max: 4 }) }),
            fc.record({ op: fc.constant('remove' as const), v: fc.integer({ min: 0, max: 4 }) }),
            // a whole list at once, as a device adds a peer (host routes, sometimes repeated, sometimes a wider one)
            fc.record({
              op: fc.constant('insertAll' as const),
              list: fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 1 }), fc.oneof(fc.constant(32), fc.constant(32), fc.constant(32), fc.integer({ min: 0, max: 32 }))), { maxLength: 6 }),
              v: fc.integer({ min: 0, max: 4 }),
            }),
            // one of a few lists given again and again, as a fabric gives each node's list to every device
            fc.record({ op: fc.constant('insertPooled' as const), pool: fc.integer({ min: 0, max: 3 }), v: fc.integer({ min: 0, max: 4 }) }),
          ),
          { maxLength: 40 },
        ),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 20 }),
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 1 }), fc.oneof(fc.constant(32), fc.constant(32), fc.constant(32), fc.integer({ min: 0, max: 32 }))), { minLength: 1, maxLength: 5 }), { minLength: 4, maxLength: 4 }),
        (ops, probes, pools) => {
          const t = new AllowedIps<number>();
          // a second table given the same lists, as a fabric gives each node's list to every device
          const other = new AllowedIps<number>();
          const pooled = pools.map((entries) => entries.map(([a, b, bits]) => parsePrefix(`${a}.${b}.0.1/${bits}`)!));
          let model: { cidr: string; bits: number; net: number; v: number }[] = [];
          // the random probes, and every address the lists are drawn from
          const everyListed = Array.from({ length: 16 }, (_, i) => [i >> 1, i & 1] as const);
          const probe = () => {
            for (const [a, b] of [...probes, ...everyListed]) {
              const addr = ((a << 24) | (b << 16) | 1) >>> 0;
              const hits = model.filter((m) => m.bits === 0 || addr >>> (32 - m.bits) === m.net >>> (32 - m.bits));
              const best = hits.sort((x, y) => y.bits - x.bits)[0];
              expect(t.lookup(Uint8Array.of(a, b, 0, 1))).toBe(best?.v);
            }
          };
          const given: { list: Prefix[]; text: string[] }[] = [];
          const modelInsert = (c: Prefix, v: number) => {
            const net = ((c.address[0]! << 24) | (c.address[1]! << 16) | (c.address[2]! << 8) | c.address[3]!) >>> 0;
            model = model.filter((m) => m.cidr !== formatPrefix(c));
            model.push({ cidr: formatPrefix(c), bits: c.bits, net, v });
          };
          for (const o of ops) {
            if (o.op === 'insert') {
              const c = parsePrefix(`${o.a}.${o.b}.0.1/${o.bits}`)!;
              t.insert(c, o.v);
              modelInsert(c, o.v);
            } else if (o.op === 'insertAll' || o.op === 'insertPooled') {
              const list = o.op === 'insertAll' ? o.list.map(([a, b, bits]) => parsePrefix(`${a}.${b}.0.1/${bits}`)!) : pooled[o.pool]!;
              t.insertAll(list, o.v);
              other.insertAll(list, o.v + 10);
              for (const c of list) modelInsert(c, o.v);
              given.push({ list, text: list.map(formatPrefix) });
            } else {
              t.removeValue(o.v);
              model = model.filter((m) => m.v !== o.v);
            }
            // after every change, so a stale lookup cache would show
            probe();
          }
          for (let v = 0; v <= 4; v++) {
            expect(t.prefixesOf(v).map(formatPrefix).sort()).toEqual(model.filter((m) => m.v === v).map((m) => m.cidr).sort());
          }
          // the table kept some of these lists as they were given: it never changed them
          for (const g of given) expect(g.list.map(formatPrefix)).toEqual(g.text);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
