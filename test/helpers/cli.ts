/**
 * Drive the real CLI through main() with a test Env: buffers for stdout/stderr, a chosen terminal-ness, env vars,
 * a seeded rng, a simulated clock and a fresh temp state dir. What a test sees is exactly what a user would.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { SimClock } from '../../src/platform/clock.js';
import type { Env, Fs } from '../../src/platform/env.js';
import { seededRng } from '../../src/platform/rng.js';
import { makeTempDir } from './tmp.js';

export class Buf {
  chunks: string[] = [];
  constructor(
    readonly isTTY = false,
    readonly columns = 80,
  ) {}
  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }
  text(): string {
    return this.chunks.join('');
  }
  // The terminal controls ora uses on a TTY stream (tty.WriteStream's), recorded as the ANSI they would send.
  cursorTo(x: number, _y?: number | (() => void), cb?: () => void): boolean {
    this.write(`\u001b[${x + 1}G`);
    if (typeof cb === 'function') cb();
    return true;
  }
  moveCursor(dx: number, dy: number, cb?: () => void): boolean {
    if (dy) this.write(`\u001b[${Math.abs(dy)}${dy < 0 ? 'A' : 'B'}`);
    if (dx) this.write(`\u001b[${Math.abs(dx)}${dx < 0 ? 'D' : 'C'}`);
    cb?.();
    return true;
  }
  clearLine(_dir: number, cb?: () => void): boolean {
    this.write('\u001b[2K');
    cb?.();
    return true;
  }
  clearScreenDown(cb?: () => void): boolean {
    this.write('\u001b[0J');
    cb?.();
    return true;
  }
}

export interface TestEnvOptions {
  home?: string;
  vars?: Record<string, string | undefined>;
  tty?: boolean;
  stdin?: string;
  seed?: string | number;
  clock?: SimClock;
  fs?: Fs;
  cwd?: string;
}

export interface TestEnv extends Env {
  readonly stdout: Buf;
  readonly stderr: Buf;
}

export function testEnv(opts: TestEnvOptions = {}): TestEnv {
  const home = opts.home ?? path.join(makeTempDir(), 'state');
  const stdin = Object.assign(Readable.from(opts.stdin !== undefined ? [opts.stdin] : []), { isTTY: opts.tty ?? false });
  return {
    stdin,
    stdout: new Buf(opts.tty ?? false),
    stderr: new Buf(opts.tty ?? false),
    vars: { AKS_WG_HOME: home, ...(opts.vars ?? {}) },
    clock: opts.clock ?? new SimClock(),
    rng: seededRng(opts.seed ?? 'test'),
    fs: opts.fs ?? nodeFs,
    cwd: opts.cwd ?? process.cwd(),
    home,
    pid: process.pid,
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws if it is not). */
  json<T = any>(): T;
}

/** Run `aks-wg <argv>` in-process. A string argv is split on spaces (no quoting). */
export async function run(argv: string | readonly string[], opts: TestEnvOptions & { env?: TestEnv } = {}): Promise<RunResult> {
  const env = opts.env ?? testEnv(opts);
  const words = typeof argv === 'string' ? argv.split(' ').filter(Boolean) : argv;
  const before = { out: env.stdout.chunks.length, err: env.stderr.chunks.length };
  const code = await main(env, words);
  const stdout = env.stdout.chunks.slice(before.out).join('');
  const stderr = env.stderr.chunks.slice(before.err).join('');
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** A reusable session: one state dir, many commands. */
export function session(opts: TestEnvOptions = {}) {
  const env = testEnv(opts);
  return { env, run: (argv: string | readonly string[]) => run(argv, { env }) };
}

export { nodeFs };
