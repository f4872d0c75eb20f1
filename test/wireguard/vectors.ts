// Loads the vectors in fixtures/wireguard and lists the crypto backends every vector runs against.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sodiumBackend } from '../../src/wg-host/sodium-backend.js';
import { nobleBackend, type CryptoBackend } from '../../src/wireguard/crypto-backend.js';
import { decodeKey, fromHex } from '../../src/wireguard/keys.js';

const dir = join(process.cwd(), 'fixtures', 'wireguard');

export const handshakeVector = JSON.parse(readFileSync(join(dir, 'wireshark-ping-tcp.json'), 'utf8')) as Record<string, string>;
export const kdfVectors = JSON.parse(readFileSync(join(dir, 'kdf-vectors.json'), 'utf8')) as {
  vectors: { keyHex: string; inputHex: string; t0: string; t1: string; t2: string }[];
  initialChainingKeyHex: string;
  initialHashHex: string;
  lowOrderPublicKeysHex: string[];
};

export const backends: [string, CryptoBackend][] = [
  ['noble', nobleBackend],
  ['sodium', sodiumBackend],
];

/** A field of the handshake vector as bytes (hex fields end in Hex, keys are base64). */
export function v(name: string): Uint8Array {
  const text = handshakeVector[name];
  if (text === undefined) throw new Error(`no vector field ${name}`);
  return name.endsWith('Hex') ? fromHex(text) : decodeKey(text);
}

export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
