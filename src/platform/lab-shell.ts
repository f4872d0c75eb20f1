/**
 * The lab's port to the operating system: run a command to completion, start a long-lived process (wireguard-go,
 * a capture, a traffic agent), look at processes by pid, and check what the machine has (root, /dev/net/tun, tools,
 * free memory). Everything the lab does to Linux goes through here; src/lab only decides which commands to run.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A process the lab started and waits on (a capture, a traffic agent). */
export interface Started {
  readonly pid: number;
  /** Resolves with the first stdout or stderr line that satisfies `test` (rejects when the process exits first). */
  line(test: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Send a signal (no error when the process is gone). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit code once the process ended (killed after `timeoutMs` with SIGKILL). */
  exited(timeoutMs: number): Promise<number>;
}

export interface Shell {
  /** Run to completion; never rejects (a missing command is code 127). */
  run(cmd: string, args: readonly string[], opts?: { input?: string | Uint8Array; timeoutMs?: number }): Promise<Ran>;
  /** Start a process that outlives this one (its own session, stdio to `logFile`); returns its pid. */
  daemon(cmd: string, args: readonly string[], logFile: string, vars?: Record<string, string>): number;
  /** Start a process this one waits on. */
  start(cmd: string, args: readonly string[]): Started;
  /** The command line of a live process (argv joined by spaces), or undefined when there is none. */
  cmdline(pid: number): string | undefined;
  /** Resident memory of a process in KiB, or undefined. */
  rssKiB(pid: number): number | undefined;
  kill(pid: number, sig: NodeJS.Signals): void;
  sleep(ms: number): Promise<void>;
  /** Milliseconds of a monotonic clock (for timing the lab's own steps). */
  monotonicMs(): number;
  /** The real wall clock (wireguard-go's handshake times are on it). */
  wallClockMs(): number;
}

export const nodeShell: Shell = {
  run(cmd, args, opts = {}) {
    return new Promise((resolve) => {
      const child = execFile(cmd, [...args], { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const c = (err as { code?: unknown }).code;
          code = typeof c === 'number' ? c : c === 'ENOENT' ? 127 : 1;
        }
        // a command that could not start (ENOENT) has no stderr of its own: report the error instead
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err ? err.message : '') });
      });
      child.stdin?.on('error', () => undefined);
      if (opts.input !== undefined) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
  },

  daemon(cmd, args, logFile, vars = {}) {
    const fd = fs.openSync(logFile, 'a', 0o600);
    try {
      const child = spawn(cmd, [...args], { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...vars } });
      child.on('error', () => undefined);
      child.unref();
      if (child.pid === undefined) throw new Error(`cannot start ${cmd}`);
      return child.pid;
    } finally {
      fs.closeSync(fd);
    }
  },

  start(cmd, args) {
    const child: ChildProcess = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let exitCode: number | null = null;
    const waiters: (() => void)[] = [];
    const wake = () => waiters.splice(0).forEach((w) => w());
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      wake();
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      err += s;
      wake();
    });
    const done = new Promise<number>((resolve) => {
      child.on('error', (e) => {
        err += String(e);
        exitCode = 127;
        wake();
        resolve(127);
      });
      child.on('close', (code, sig) => {
        exitCode = code ?? (sig ? 128 : 1);
        wake();
        resolve(exitCode);
      });
    });
    return {
      pid: child.pid ?? -1,
      stdout: () => out,
      stderr: () => err,
      signal(sig) {
        try {
          child.kill(sig);
        } catch {
          // gone
        }
      },
      line(test, timeoutMs) {
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms (stderr: ${err.trim().slice(-300)})`)), timeoutMs);
          const check = () => {
            const found = out.split('\n').find(test) ?? err.split('\n').find(test);
            if (found !== undefined) {
              clearTimeout(timer);
              resolve(found);
            } else if (exitCode !== null) {
              clearTimeout(timer);
              reject(new Error(`exited with ${exitCode}: ${err.trim().slice(-300)}`));
            } else waiters.push(check);
          };
          check();
        });
      },
      async exited(timeoutMs) {
        const timer = setTimeout(() => {
          try {
            child.kill('SIGKILL');
          } catch {
            // gone
          }
        }, timeoutMs);
        const code = await done;
        clearTimeout(timer);
        return code;
      },
    };
  },

  cmdline(pid) {
    try {
      const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw.length === 0 ? undefined : raw.split('\0').filter(Boolean).join(' ');
    } catch {
      return undefined;
    }
  },

  rssKiB(pid) {
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  },

  kill(pid, sig) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  },

  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  monotonicMs: () => performance.now(),
  wallClockMs: () => Date.now(),
};

/** What the lab needs from the machine and does not have: 'root', '/dev/net/tun', or a tool's name. */
export function labPrerequisitesMissing(tools: readonly string[]): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (CAP_NET_ADMIN)');
  if (!fs.existsSync('/dev/net/tun')) missing.push('/dev/net/tun');
  const dirs = (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin']).filter(Boolean);
  for (const t of tools) {
    if (!dirs.some((d) => isExecutable(path.join(d, t)))) missing.push(t);
  }
  return missing;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Memory the machine has available now, in MiB (MemAvailable, else free memory). */
export function availableMemoryMiB(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Math.floor(Number(m[1]) / 1024);
  } catch {
    // fall back
  }
  return Math.floor(os.freemem() / (1 << 20));
}

/** The Node binary (the lab runs its traffic agent with it inside the namespaces). */
export function nodeBinary(): string {
  return process.execPath;
}

/**
 * The compiled traffic agent (platform/lab-agent.js): beside this file when running from dist/, else the build's
 * copy (tests run the TypeScript sources; the global setup builds dist/ first).
 */
export function labAgentPath(): string {
  const here = new URL('./lab-agent.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(here))) return fileURLToPath(here);
  return fileURLToPath(new URL('../../dist/platform/lab-agent.js', import.meta.url));
}

/** Ensure the directory wireguard-go's control sockets are bound over exists (it is the tool's own, /var/run/wireguard). */
export function ensureMountPoint(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
}
