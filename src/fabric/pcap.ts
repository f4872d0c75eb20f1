/**
 * Classic libpcap files (the format tcpdump -w writes): a 24-byte global header (magic 0xa1b2c3d4 in the writer's
 * byte order, version 2.4, snaplen, link type) and per packet a 16-byte record header (ts_sec, ts_usec, incl_len,
 * orig_len) followed by the bytes. aks-wg writes little-endian files with LINKTYPE_RAW (bare IPv4) and reads both
 * byte orders. Pure: the writer hands out chunks, the caller decides where they go.
 */

export const PCAP_MAGIC = 0xa1b2c3d4;
export const PCAP_GLOBAL_HEADER_SIZE = 24;
export const PCAP_RECORD_HEADER_SIZE = 16;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const DEFAULT_SNAPLEN = 262144;

/** The 24-byte global header. */
export function pcapGlobalHeader(linkType = LINKTYPE_RAW, snaplen = DEFAULT_SNAPLEN): Uint8Array {
  const b = new Uint8Array(PCAP_GLOBAL_HEADER_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, PCAP_MAGIC, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true); // thiszone
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, snaplen, true);
  v.setUint32(20, linkType, true);
  return b;
}

/** One record: header + data, at clock time `timeMs` (milliseconds since the epoch; sub-ms fractions kept as µs). */
export function pcapRecord(timeMs: number, data: Uint8Array, snaplen = DEFAULT_SNAPLEN): Uint8Array {
  const incl = Math.min(data.length, snaplen);
  const b = new Uint8Array(PCAP_RECORD_HEADER_SIZE + incl);
  const v = new DataView(b.buffer);
  const sec = Math.floor(timeMs / 1000);
  const usec = Math.floor((timeMs - sec * 1000) * 1000);
  v.setUint32(0, sec, true);
  v.setUint32(4, usec, true);
  v.setUint32(8, incl, true);
  v.setUint32(12, data.length, true);
  b.set(data.subarray(0, incl), PCAP_RECORD_HEADER_SIZE);
  return b;
}

/** Collects records into chunks and hands them to `sink` in batches (so a million packets are not one array). */
export class PcapWriter {
  private chunks: Uint8Array[] = [];
  private pending = 0;
  /** Packets written so far. */
  count = 0;

  constructor(
    private readonly sink: (chunk: Uint8Array) => void,
    linkType = LINKTYPE_RAW,
    private readonly flushBytes = 1 << 20,
  ) {
    this.push(pcapGlobalHeader(linkType));
  }

  write(timeMs: number, packet: Uint8Array): void {
    this.push(pcapRecord(timeMs, packet));
    this.count++;
  }

  /** Hand everything collected to the sink. */
  flush(): void {
    if (this.chunks.length === 0) return;
    const out = new Uint8Array(this.pending);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    this.chunks = [];
    this.pending = 0;
    this.sink(out);
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.pending += chunk.length;
    if (this.pending >= this.flushBytes) this.flush();
  }
}

export interface PcapPacket {
  /** Milliseconds since the epoch (µs precision). */
  readonly timeMs: number;
  readonly data: Uint8Array;
  readonly originalLength: number;
}

export interface PcapFile {
  readonly linkType: number;
  readonly snaplen: number;
  readonly packets: PcapPacket[];
}

/**
 * Parse a classic pcap file (either byte order, microsecond timestamps).
 * @throws {RangeError} if the magic is wrong or a record runs past the end.
 */
export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < PCAP_GLOBAL_HEADER_SIZE) throw new RangeError('readPcap: shorter than the 24-byte global header');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le: boolean;
  if (v.getUint32(0, true) === PCAP_MAGIC) le = true;
  else if (v.getUint32(0, false) === PCAP_MAGIC) le = false;
  else throw new RangeError('readPcap: not a classic pcap file (bad magic)');
  const snaplen = v.getUint32(16, le);
  const linkType = v.getUint32(20, le);
  const packets: PcapPacket[] = [];
  let off = PCAP_GLOBAL_HEADER_SIZE;
  while (off < bytes.length) {
    if (off + PCAP_RECORD_HEADER_SIZE > bytes.length) throw new RangeError(`readPcap: truncated record header at byte ${off}`);
    const sec = v.getUint32(off, le);
    const usec = v.getUint32(off + 4, le);
    const incl = v.getUint32(off + 8, le);
    const orig = v.getUint32(off + 12, le);
    off += PCAP_RECORD_HEADER_SIZE;
    if (off + incl > bytes.length) throw new RangeError(`readPcap: truncated record at byte ${off}`);
    packets.push({ timeMs: sec * 1000 + usec / 1000, data: bytes.subarray(off, off + incl), originalLength: orig });
    off += incl;
  }
  return { linkType, snaplen, packets };
}
