/**
 * Reading Hubble flow logs: `hubble observe -o json` text (one `GetFlowsResponse` JSON object per line) cut into
 * lines in constant memory, and the field readers the analysis parses each line with (l4 ports, identities, RFC 3339
 * times), plus copies of strings that do not pin the chunk they were parsed from.
 */
import { RESERVED_IDENTITY, type Protocol } from './hubble-types.js';

/** What readLines yields for a line longer than MAX_LINE_CHARS. */
export const OVERLONG = '\u0000<overlong>';

/**
 * A copy of a string that does not keep its source alive: V8 hands out JSON string values as slices of the parsed
 * line, itself a slice of a 1 MiB read chunk, so one retained time or node name would pin a whole chunk per flow.
 */
export const fresh = (s: string): string => (' ' + s).slice(1);

export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function l4Of(l4: unknown): { proto: Protocol; sport: number; dport: number } {
  if (!l4 || typeof l4 !== 'object') return { proto: 'other', sport: 0, dport: 0 };
  const o = l4 as Record<string, Record<string, unknown> | undefined>;
  const p = o['TCP'] ?? o['UDP'] ?? o['SCTP'];
  if (p) {
    const proto: Protocol = o['TCP'] ? 'TCP' : o['UDP'] ? 'UDP' : 'SCTP';
    return { proto, sport: num(p['source_port']), dport: num(p['destination_port']) };
  }
  // ICMP has no ports: a flow is its addresses, so an echo request and its reply fold together
  if (o['ICMPv4']) return { proto: 'ICMPv4', sport: 0, dport: 0 };
  if (o['ICMPv6']) return { proto: 'ICMPv6', sport: 0, dport: 0 };
  return { proto: 'other', sport: 0, dport: 0 };
}

/** The identity number, reserved labels considered (`reserved:host` without an identity field is 1). */
export function identityOf(ep: Record<string, unknown> | undefined): number | null {
  if (!ep) return null;
  if (typeof ep['identity'] === 'number') return ep['identity'];
  const labels = ep['labels'];
  if (Array.isArray(labels)) {
    for (const l of labels) {
      if (typeof l !== 'string' || !l.startsWith('reserved:')) continue;
      const id = (RESERVED_IDENTITY as Record<string, number>)[l.slice(9)];
      if (id !== undefined) return id;
    }
  }
  return null;
}

/** Few distinct values (directions, observation points, node names): one fresh copy each. */
export class Interner {
  private readonly interned = new Map<string, string>();

  intern(s: string): string {
    let v = this.interned.get(s);
    if (v === undefined) {
      v = fresh(s);
      if (this.interned.size < 10_000) this.interned.set(v, v);
    }
    return v;
  }
}

const d = (s: string, i: number): number => s.charCodeAt(i) - 48;

/**
 * An RFC 3339 UTC time (`2026-11-25T14:02:00.123456789Z`, as Hubble prints them) as ms since the epoch with the
 * microseconds in the fraction, by arithmetic on the characters (no Date, no allocation); NaN for other shapes.
 */
export function timeValue(s: string): number {
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(s.length - 1) !== 90) return NaN;
  let y = d(s, 0) * 1000 + d(s, 1) * 100 + d(s, 2) * 10 + d(s, 3);
  const m = d(s, 5) * 10 + d(s, 6);
  const day = d(s, 8) * 10 + d(s, 9);
  const secs = (d(s, 11) * 10 + d(s, 12)) * 3600 + (d(s, 14) * 10 + d(s, 15)) * 60 + d(s, 17) * 10 + d(s, 18);
  // days from 1970-01-01 (civil calendar, H. Hinnant's days_from_civil)
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  let frac = 0;
  if (s.charCodeAt(19) === 46) {
    let scale = 100;
    for (let i = 20; i < s.length - 1 && scale >= 0.001; i++, scale /= 10) frac += d(s, i) * scale;
  }
  return (days * 86400 + secs) * 1000 + frac;
}

/** timeValue's number back as RFC 3339 text (microsecond precision, nanosecond digits). */
export function timeText(v: number): string {
  const ms = Math.floor(v);
  const micro = Math.round((v - ms) * 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micro).padStart(3, '0')}000Z`;
}

/** Lines longer than this are not held: they are reported as malformed and skipped to the next newline. */
export const MAX_LINE_CHARS = 16 << 20;

/** Read chunk for a file given to readLines (small chunks keep the young generation, and so the RSS, small). */
export const READ_CHUNK_BYTES = 64 << 10;

/**
 * The lines of a stream of text (or byte) chunks, in batches (one batch per chunk: an `await` per line would cost
 * more than parsing it). Constant memory: a chunk and at most one partial line are held. A trailing `\r` is removed
 * (CRLF files); a line longer than MAX_LINE_CHARS comes out as a placeholder that is reported as malformed. Byte
 * chunks are decoded as UTF-8 across chunk boundaries; a text stream (`encoding: 'utf8'`, decoded natively by the
 * stream) is the fastest input.
 */
export async function* readLines(stream: AsyncIterable<string | Uint8Array>): AsyncGenerator<string[]> {
  // the standard decoder (not node:string_decoder: analysis/ imports no node:*); ignoreBOM keeps a BOM, as before
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let rest = '';
  let overlong = false;
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const s = rest.length > 0 ? rest + text : text;
    const batch: string[] = [];
    let i = 0;
    let j: number;
    while ((j = s.indexOf('\n', i)) >= 0) {
      if (overlong) {
        batch.push(OVERLONG);
        overlong = false;
      } else batch.push(s.charCodeAt(j - 1) === 13 && j > i ? s.slice(i, j - 1) : s.slice(i, j));
      i = j + 1;
    }
    rest = s.slice(i);
    if (rest.length > MAX_LINE_CHARS) {
      overlong = true;
      rest = '';
    }
    if (batch.length > 0) yield batch;
  }
  rest += decoder.decode();
  if (overlong) yield [OVERLONG];
  else if (rest.length > 0) yield [rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest];
}
