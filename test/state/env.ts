/** A store environment over a temp state dir, with an optional fault-injecting fs. */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import type { Fs } from '../../src/platform/env.js';
import { systemClock } from '../../src/platform/clock.js';
import type { StoreEnv } from '../../src/state/store.js';
import { makeTempDir } from '../helpers/tmp.js';

/** A state dir that does not exist yet, inside a fresh temp dir. */
export function freshHome(): string {
  return path.join(makeTempDir(), 'state');
}

export function storeEnv(home: string, fs: Fs = nodeFs): StoreEnv {
  return { fs, home, pid: process.pid, clock: systemClock };
}

/** An errno exception as node:fs throws it. */
export function errno(code: string, syscall: string, file?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${file ?? ''}'`);
  err.code = code;
  err.syscall = syscall;
  if (file !== undefined) err.path = file;
  return err;
}

/** node:fs with some functions replaced. */
export function faultyFs(overrides: Partial<Fs>): Fs {
  return { ...nodeFs, ...overrides } as Fs;
}
