import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from './clock.js';
import { seededRng, systemRng } from './rng.js';
import type { Clock, InStream, OutStream, Rng } from './types.js';

export type { Clock, InStream, OutStream, Rng } from './types.js';

/** The synchronous filesystem calls aks-wg makes; a test may wrap them to inject faults (ENOSPC, EACCES). */
export type Fs = Pick<
  typeof nodeFs,
  | 'openSync'
  | 'writeSync'
  | 'fsyncSync'
  | 'fsync'
  | 'closeSync'
  | 'renameSync'
  | 'readFileSync'
  | 'writeFileSync'
  | 'mkdirSync'
  | 'mkdir'
  | 'unlinkSync'
  | 'statSync'
  | 'lstatSync'
  | 'chmodSync'
  | 'readdirSync'
  | 'existsSync'
  | 'rmSync'
  | 'rmdirSync'
  | 'linkSync'
  | 'readSync'
  | 'fstatSync'
  | 'createReadStream'
>;

/**
 * Everything a command may touch outside its own memory. bin/aks-wg builds the real one with nodeEnv(); tests build
 * one with buffers, a simulated clock, a seeded rng and a temp state dir (test/helpers).
 */
export interface Env {
  readonly stdin: InStream;
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** Environment variables (process.env in production). */
  readonly vars: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly fs: Fs;
  /** Working directory that relative paths (-f FILE, --capture FILE) resolve against. */
  readonly cwd: string;
  /** The state directory: $AKS_WG_HOME, else ~/.aks-wg. */
  readonly home: string;
  /** The process id written into lock files. */
  readonly pid: number;
}

/** The state directory for a set of environment variables. */
export function stateHome(vars: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = vars['AKS_WG_HOME'];
  if (fromEnv) return path.resolve(fromEnv);
  return path.join(vars['HOME'] || os.homedir(), '.aks-wg');
}

/** The real environment of this process. */
export function nodeEnv(): Env {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    vars: process.env,
    clock: systemClock,
    // AKS_WG_SEED makes every random choice (keys, ephemerals, indices, jitter) replay: the same commands with the
    // same seed give the same bytes. The command line is part of the seed, so `create` and a later `nodepool add`
    // do not draw the same stream.
    rng: process.env['AKS_WG_SEED'] ? seededRng(`${process.env['AKS_WG_SEED']}\u0000${process.argv.slice(2).join('\u0000')}`) : systemRng,
    fs: nodeFs,
    cwd: process.cwd(),
    home: stateHome(process.env),
    pid: process.pid,
  };
}
