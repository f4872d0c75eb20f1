/** `aks-wg wg genkey | pubkey | genpsk`: wg(8)'s key commands, same input and output format. */
import type { CommandSpec } from '../command.js';
import { PRINTED } from '../command.js';
import { ValidationError } from '../../errors.js';
import type { Env } from '../../platform/env.js';
import { KeyFormatError, encodeKey, generatePresharedKey, generatePrivateKey, parsePrivateKey, publicKeyFromPrivate } from '../../wireguard/keys.js';
import { keyText, readStdin } from './shared.js';

/**
 * wg's check before it writes a key (genkey.c): when stdout is a regular file that others may access (`wg genkey >
 * file` under umask 022), it warns on stderr in its own words and still writes the key.
 */
export function warnIfWorldAccessible(env: Env): void {
  const fd = (env.stdout as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return;
  let st;
  try {
    st = env.fs.fstatSync(fd);
  } catch {
    return;
  }
  if (st.isFile() && (st.mode & 0o007) !== 0) {
    env.stderr.write('Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n');
  }
}

/** Write a new base64 private key and a newline to stdout. */
export function wgGenkey(env: Env): number {
  warnIfWorldAccessible(env);
  env.stdout.write(`${encodeKey(generatePrivateKey(env.rng))}\n`);
  return 0;
}

/** Write a new base64 preshared key and a newline to stdout. */
export function wgGenpsk(env: Env): number {
  warnIfWorldAccessible(env);
  env.stdout.write(`${encodeKey(generatePresharedKey(env.rng))}\n`);
  return 0;
}

/**
 * Read a base64 private key on stdin, write its public key.
 * @throws {ValidationError} "Key is not the correct length or format" / "Trailing characters found after key".
 */
export async function wgPubkey(env: Env): Promise<number> {
  const key = parsePrivateKeyStrict(keyText(await readStdin(env)));
  env.stdout.write(`${encodeKey(publicKeyFromPrivate(key))}\n`);
  return 0;
}

function parsePrivateKeyStrict(text: string) {
  try {
    return parsePrivateKey(text);
  } catch (e) {
    if (e instanceof KeyFormatError) throw new ValidationError(e.message);
    throw e;
  }
}

export const wgGenkeySpec: CommandSpec = {
  path: ['wg', 'genkey'],
  summary: 'Generate a new private key and write it to stdout in base64 (wg genkey).',
  flags: [],
  output: false,
  examples: ['aks-wg wg genkey > private.key', 'aks-wg wg genkey | tee private.key | aks-wg wg pubkey > public.key'],
  run({ env }) {
    wgGenkey(env);
    return PRINTED;
  },
};

export const wgGenpskSpec: CommandSpec = {
  path: ['wg', 'genpsk'],
  summary: 'Generate a new preshared key and write it to stdout in base64 (wg genpsk).',
  flags: [],
  output: false,
  examples: ['aks-wg wg genpsk > preshared.key'],
  run({ env }) {
    wgGenpsk(env);
    return PRINTED;
  },
};

export const wgPubkeySpec: CommandSpec = {
  path: ['wg', 'pubkey'],
  summary: 'Read a private key on stdin and write its public key in base64 (wg pubkey).',
  flags: [],
  output: false,
  examples: ['aks-wg wg pubkey < private.key'],
  async run({ env }) {
    await wgPubkey(env);
    return PRINTED;
  },
};
