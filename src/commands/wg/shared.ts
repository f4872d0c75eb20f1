/** Flags and input handling shared by the `wg` commands: key files, endpoints, stdin. */
import * as path from 'node:path';
import type { FlagSpec } from '../command.js';
import { CommandError, ValidationError } from '../../errors.js';
import type { Env } from '../../platform/env.js';
import { UdpWireGuard } from '../../wg-host/udp-device.js';
import { parseIp } from '../../net/ip.js';
import type { Endpoint } from '../../wireguard/device.js';
import { KeyFormatError, parsePresharedKey, parsePrivateKey, parsePublicKey, type PresharedKey, type PrivateKey, type PublicKey } from '../../wireguard/keys.js';

export const PRIVATE_KEY: FlagSpec = { long: 'private-key', kind: 'string', required: true, help: 'File holding the interface private key (wg genkey output).' };
export const PEER: FlagSpec = { long: 'peer', kind: 'string', required: true, help: "The peer's public key (base64)." };
export const PRESHARED_KEY: FlagSpec = { long: 'preshared-key', kind: 'string', help: 'File holding a preshared key (wg genpsk output).' };
export const ADDRESS: FlagSpec = { long: 'address', kind: 'string', required: true, help: 'This end\'s tunnel IPv4 address.' };
export const KEY_LOG: FlagSpec = {
  long: 'key-log',
  kind: 'string',
  help: 'Append the handshake secrets to FILE in Wireshark\'s wg.keylog_file format (contains private keys).',
};

/**
 * The key in `text` as wg(8) reads one: the first 44 characters, then nothing but whitespace.
 * @throws {ValidationError} naming `what`, never echoing the text.
 */
export function keyText(text: string, what?: string): string {
  const prefix = what ? `${what}: ` : '';
  const key = text.slice(0, 44);
  const rest = text.slice(44);
  if (key.length !== 44 || /\s/.test(key)) throw new ValidationError(`${prefix}Key is not the correct length or format`);
  if (!/^[\s\0]*$/.test(rest)) throw new ValidationError(`${prefix}Trailing characters found after key`);
  return key;
}

function readKeyFile(env: Env, file: string, what: string): string {
  let text: string;
  try {
    // read as bytes and wiped once decoded: a small file is read into Node's shared Buffer pool
    const bytes = env.fs.readFileSync(path.resolve(env.cwd, file)) as Buffer;
    text = bytes.toString('utf8');
    bytes.fill(0);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new ValidationError(`${what}: cannot read ${file} (${code})`);
  }
  return keyText(text, `${what} ${file}`);
}

function keyError(e: unknown, what: string): never {
  if (e instanceof KeyFormatError) throw new ValidationError(`${what}: ${e.message}`);
  throw e;
}

/** @throws {ValidationError} if the file is unreadable or does not hold a key. */
export function privateKeyFromFile(env: Env, file: string): PrivateKey {
  const text = readKeyFile(env, file, '--private-key');
  try {
    return parsePrivateKey(text);
  } catch (e) {
    return keyError(e, `--private-key ${file}`);
  }
}

/** @throws {ValidationError} if the file is unreadable or does not hold a key. */
export function presharedKeyFromFile(env: Env, file: string | undefined): PresharedKey | undefined {
  if (file === undefined) return undefined;
  const text = readKeyFile(env, file, '--preshared-key');
  try {
    return parsePresharedKey(text);
  } catch (e) {
    return keyError(e, `--preshared-key ${file}`);
  }
}

/** @throws {ValidationError} if not a valid, non-low-order public key. */
export function peerKey(text: string): PublicKey {
  try {
    return parsePublicKey(text);
  } catch (e) {
    return keyError(e, '--peer');
  }
}

/** "HOST:PORT" or "[IPv6]:PORT" with a literal address. @throws {ValidationError} otherwise. */
export function parseEndpoint(text: string, flag = '--endpoint'): Endpoint {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !parseIp(m[1]!) || !(port >= 1 && port <= 65535)) {
    throw new ValidationError(`${flag}: expected HOST:PORT with an IP address, got ${JSON.stringify(text)}`);
  }
  return { address: m[1]!, port };
}

/** An IPv4 address flag. @throws {ValidationError} otherwise. */
export function ipv4Flag(text: string, flag: string): string {
  const b = parseIp(text);
  if (!b || b.length !== 4) throw new ValidationError(`${flag}: expected an IPv4 address, got ${JSON.stringify(text)}`);
  return text;
}

/** All of stdin as text. */
export async function readStdin(env: Env): Promise<string> {
  let text = '';
  for await (const chunk of env.stdin) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}

/** A port flag value. @throws {ValidationError} if out of range. */
export function portFlag(v: unknown, flag: string, allowZero: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) throw new ValidationError(`${flag}: expected a port number, got ${String(v)}`);
  return n;
}

/** UdpWireGuard.open, with a bind failure (port in use, address not local) as a CommandError. */
export async function openUdp(options: Parameters<typeof UdpWireGuard.open>[0]): Promise<UdpWireGuard> {
  try {
    return await UdpWireGuard.open(options);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new CommandError(`cannot bind UDP ${options.bindAddress ?? '127.0.0.1'}:${options.listenPort ?? 0}: ${code}`);
  }
}

/** The longest --timeout, in seconds: a Node timer holds at most 2^31 - 1 ms (a longer one fires at once). */
export const MAX_TIMEOUT_S = Math.floor(2_147_483_647 / 1000);
