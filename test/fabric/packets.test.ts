import { buildPacket, buildUdpDatagram, internetChecksum, parsePacket, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../../src/fabric/packets.js';
import { LINKTYPE_RAW, PcapWriter, readPcap } from '../../src/fabric/pcap.js';
import { parseIPv4 } from '../../src/net/ip.js';
import { fromHex } from '../../src/wireguard/keys.js';

const A = parseIPv4('10.244.1.7');
const B = parseIPv4('10.244.2.5');

describe('IPv4 packets', () => {
  test('the IPv4 header checksum matches a real packet (Wireshark wireguard-ping-tcp, inner ICMP echo)', () => {
    // 45000054e54640004001414c0a0a00020a0a0001: the checksum 0x414c over the header with its field zeroed
    const header = fromHex('45000054e546400040010000' + '0a0a0002' + '0a0a0001');
    expect(internetChecksum(header)).toBe(0x414c);
  });

  test.each(['TCP', 'UDP', 'ICMP'] as const)('%s packets parse back with valid checksums', (protocol) => {
    const p = buildPacket({ protocol, src: A, dst: B, srcPort: 40000, dstPort: 8080, id: 0x1234, seq: 7 });
    const parsed = parsePacket(p)!;
    expect(parsed).not.toBeNull();
    expect(parsed.src).toBe(A);
    expect(parsed.dst).toBe(B);
    expect(parsed.headerChecksumOk).toBe(true);
    expect(parsed.l4ChecksumOk).toBe(true);
    expect(parsed.totalLength).toBe(p.length);
    expect(parsed.id).toBe(0x1234);
    expect(parsed.protocol).toBe({ TCP: IPPROTO_TCP, UDP: IPPROTO_UDP, ICMP: IPPROTO_ICMP }[protocol]);
    if (protocol === 'TCP') {
      expect(parsed.flags).toBe(0x02); // SYN
      expect(parsed.dstPort).toBe(8080);
    }
    if (protocol === 'UDP') expect(parsed.dstPort).toBe(8080);
    if (protocol === 'ICMP') expect(parsed.flags).toBe(8); // echo request
  });

  test('a flipped byte breaks the checksums', () => {
    const p = buildPacket({ protocol: 'TCP', src: A, dst: B, srcPort: 1, dstPort: 2, id: 3 });
    const q = Uint8Array.from(p);
    q[13]! ^= 1; // source address
    expect(parsePacket(q)!.headerChecksumOk).toBe(false);
    const r = Uint8Array.from(p);
    r[30]! ^= 0x80; // TCP
    expect(parsePacket(r)!.l4ChecksumOk).toBe(false);
  });

  test('a UDP datagram around a payload (the outer WireGuard packet)', () => {
    const payload = new Uint8Array(32).fill(4);
    const d = buildUdpDatagram(parseIPv4('10.224.0.4'), parseIPv4('10.224.0.5'), 51871, 51871, payload, 9);
    const parsed = parsePacket(d)!;
    expect(parsed.srcPort).toBe(51871);
    expect(parsed.dstPort).toBe(51871);
    expect(parsed.l4ChecksumOk).toBe(true);
    expect(Buffer.from(parsed.payload)).toEqual(Buffer.from(payload));
  });

  test('garbage is not a packet', () => {
    expect(parsePacket(new Uint8Array(10))).toBeNull();
    expect(parsePacket(new Uint8Array(40).fill(0x60))).toBeNull();
    expect(() => buildPacket({ protocol: 'TCP', src: A, dst: B, srcPort: 1, dstPort: 70000, id: 1 })).toThrow(RangeError);
  });
});

describe('pcap', () => {
  test('writes classic pcap (LINKTYPE_RAW) that reads back with times and bytes', () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapWriter((c) => chunks.push(c), LINKTYPE_RAW, 64);
    const p1 = buildPacket({ protocol: 'UDP', src: A, dst: B, srcPort: 5, dstPort: 53, id: 1 });
    const p2 = buildPacket({ protocol: 'ICMP', src: B, dst: A, srcPort: 5, dstPort: 0, id: 2 });
    w.write(1_767_225_600_000, p1);
    w.write(1_767_225_600_123.5, p2);
    w.flush();
    const bytes = Buffer.concat(chunks);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(bytes.readUInt16LE(4)).toBe(2);
    expect(bytes.readUInt16LE(6)).toBe(4);
    const file = readPcap(new Uint8Array(bytes));
    expect(file.linkType).toBe(101);
    expect(file.packets).toHaveLength(2);
    expect(file.packets[1]!.timeMs).toBeCloseTo(1_767_225_600_123.5, 3);
    expect(Buffer.from(file.packets[0]!.data)).toEqual(Buffer.from(p1));
    expect(w.count).toBe(2);
  });

  test('rejects a file that is not pcap or is truncated', () => {
    expect(() => readPcap(new Uint8Array(24))).toThrow(/bad magic/);
    const chunks: Uint8Array[] = [];
    const w = new PcapWriter((c) => chunks.push(c));
    w.write(0, new Uint8Array(40));
    w.flush();
    const bytes = Buffer.concat(chunks);
    expect(() => readPcap(new Uint8Array(bytes.subarray(0, bytes.length - 1)))).toThrow(/truncated/);
  });
});
