/**
 * The lab's record of what it created, in the state directory (`<home>/lab/<prefix>/`):
 *
 *   journal.jsonl   one line per thing, appended (and fsynced) BEFORE a namespace is created and right after a
 *                   process starts, so a `lab up` killed half-way leaves a list `lab down` can remove exactly
 *   lab.json        the finished lab: its plan (public keys only), the wireguard-go pids, when and how fast it came up
 *   wg/<i>/         the per-node directory bound at /var/run/wireguard in that node's mount namespace
 *   *.log           wireguard-go's output
 */
import * as path from 'node:path';
import type { Fs } from '../platform/env.js';
import type { LabPlan } from './plan.js';

export type JournalEntry =
  | { readonly kind: 'netns'; readonly name: string }
  | { readonly kind: 'process'; readonly pid: number; readonly ns: string; readonly program: string; readonly node: string };

export interface LabRecord {
  readonly version: 1;
  readonly plan: LabPlan;
  /** wireguard-go per machine (node name, or the rogue's), with its pid and control-socket directory. */
  readonly wireguard: Record<string, { pid: number; sockDir: string }>;
  /** The cluster's simulated time the lab was built for. */
  readonly modelAtMs: number;
  readonly upMs: number;
  /** What the lab was built from, to tell whether the model changed since (`lab status`, live changes). */
  readonly fingerprint: string;
}

export class LabFiles {
  readonly dir: string;
  constructor(
    private readonly fs: Fs,
    home: string,
    readonly prefix: string,
  ) {
    this.dir = path.join(home, 'lab', prefix);
  }
  get journalFile(): string {
    return path.join(this.dir, 'journal.jsonl');
  }
  get recordFile(): string {
    return path.join(this.dir, 'lab.json');
  }
  /** A machine's control-socket directory (by its name, so a live change never moves it). */
  sockDir(machine: string): string {
    return path.join(this.dir, 'wg', encodeURIComponent(machine));
  }
  logFile(machine: string): string {
    return path.join(this.dir, `wireguard-go-${encodeURIComponent(machine)}.log`);
  }
  captureDir(): string {
    return path.join(this.dir, 'captures');
  }

  /** Whether anything of a lab is recorded (a finished lab or a half-built one). */
  exists(): boolean {
    return this.fs.existsSync(this.journalFile) || this.fs.existsSync(this.recordFile);
  }

  open(): void {
    this.fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Append one entry and make it durable before the caller creates the thing. */
  append(e: JournalEntry): void {
    const fd = this.fs.openSync(this.journalFile, 'a', 0o600);
    try {
      const line = Buffer.from(JSON.stringify(e) + '\n', 'utf8');
      for (let off = 0; off < line.length; ) off += this.fs.writeSync(fd, line, off, line.length - off);
      this.fs.fsyncSync(fd);
    } finally {
      this.fs.closeSync(fd);
    }
  }

  /** The journal's entries (a torn last line, from a crash mid-append, is skipped). */
  journal(): JournalEntry[] {
    let text: string;
    try {
      text = this.fs.readFileSync(this.journalFile, 'utf8');
    } catch {
      return [];
    }
    const out: JournalEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as JournalEntry);
      } catch {
        // torn write
      }
    }
    return out;
  }

  record(): LabRecord | undefined {
    try {
      return JSON.parse(this.fs.readFileSync(this.recordFile, 'utf8')) as LabRecord;
    } catch {
      return undefined;
    }
  }

  writeRecord(r: LabRecord): void {
    const tmp = `${this.recordFile}.tmp`;
    this.fs.writeFileSync(tmp, JSON.stringify(r, null, 2) + '\n', { mode: 0o600 });
    this.fs.renameSync(tmp, this.recordFile);
  }

  /** Remove the directory (after everything it lists is gone). */
  remove(): void {
    this.fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
