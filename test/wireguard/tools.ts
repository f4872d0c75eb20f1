// Helpers for tests that use real tools (wireguard-go, wg, tshark): find what is missing, run commands.
import { parseIPv4 } from '../../src/net/ip.js';
import { buildUdpDatagram } from '../../src/fabric/packets.js';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Which of these executables are not on PATH. */
export function missingTools(tools: string[]): string[] {
  return tools.filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

/** What an interop test lacks on this machine: root, /dev/net/tun, tools. Empty when it can run. */
export function interopPrerequisites(tools: string[]): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  if (!existsSync('/dev/net/tun')) missing.push('/dev/net/tun');
  missing.push(...missingTools(tools));
  return missing;
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (never rejects). */
export function runCommand(cmd: string, args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** An IPv4/UDP packet around `payload`, checksums filled in. */
export function ipv4Udp(src: string, srcPort: number, dst: string, dstPort: number, payload: Uint8Array): Uint8Array {
  return buildUdpDatagram(parseIPv4(src), parseIPv4(dst), srcPort, dstPort, payload, 0);
}

/** A classic pcap file (LINKTYPE_RAW 101, little-endian) of packets with millisecond timestamps. */
export function pcapFile(packets: { atMs: number; data: Uint8Array }[]): Buffer {
  const parts: Buffer[] = [];
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(65535, 16);
  g.writeUInt32LE(101, 20);
  parts.push(g);
  for (const { atMs, data } of packets) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(atMs / 1000), 0);
    h.writeUInt32LE(Math.floor((atMs % 1000) * 1000), 4);
    h.writeUInt32LE(data.length, 8);
    h.writeUInt32LE(data.length, 12);
    parts.push(h, Buffer.from(data));
  }
  return Buffer.concat(parts);
}
