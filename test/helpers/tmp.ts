/** Fresh temp directories for tests that touch the real filesystem; call removeTempDirs in afterEach. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

/** A new empty directory under the OS temp dir, removed by the next removeTempDirs(). */
export function makeTempDir(prefix = 'aks-wg-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every directory makeTempDir() made (restoring write permission a test may have taken away). */
export function removeTempDirs(): void {
  for (let dir = made.pop(); dir !== undefined; dir = made.pop()) {
    try {
      fs.chmodSync(dir, 0o700);
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file under `dir`, relative, sorted (hidden files included). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}
