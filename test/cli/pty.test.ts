// Issue 12 item 1: a pseudo-terminal that reports 0 columns (`script -qc CMD /dev/null` in CI and containers) must
// not hang a command under its spinner. Runs the real bin/aks-wg under util-linux `script`, with `stty cols 0` set
// inside the pty; skipped, with a message naming it, when `script` is missing.
import * as path from 'node:path';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';
import { missingTools, runCommand } from '../wireguard/tools.js';

afterAll(removeTempDirs);

const missing = missingTools(['script', 'stty']);
if (missing.length) console.warn(`SKIPPED pty spinner test: missing ${missing.join(', ')}`);
const maybe = missing.length ? describe.skip : describe;

const BIN = path.resolve('bin/aks-wg');

/** Run `aks-wg ARGS` on a pty of `cols` columns; stdout of the command goes to a file, the pty's bytes come back. */
async function onPty(home: string, cols: number, args: string): Promise<{ code: number; bytes: number; out: string }> {
  const inner = `stty cols ${cols} rows 24; AKS_WG_HOME='${home}' AKS_WG_SEED=pty node '${BIN}' ${args} > /dev/null`;
  const r = await runCommand('script', ['-qec', inner, '/dev/null'], { timeoutMs: 30_000 });
  return { code: r.code, bytes: Buffer.byteLength(r.stdout), out: r.stdout };
}

maybe('spinner on a pseudo-terminal (issue 12 item 1)', () => {
  test('a pty of 0 columns: create, scale, update and delete exit, and write no spinner frames', async () => {
    const home = path.join(makeTempDir(), 'state');
    for (const args of [
      'cluster create -g RG -n C --enable-wireguard -c 2',
      'nodepool scale -g RG --cluster-name C -n nodepool1 -c 3',
      'cluster update -g RG -n C --disable-wireguard --yes',
      'cluster delete -g RG -n C --yes',
    ]) {
      const r = await onPty(home, 0, args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      // The hang wrote megabytes of cursor-up sequences; a command without a spinner writes (almost) nothing.
      expect(r.bytes).toBeLessThan(2048);
      expect(r.out).not.toContain('\u001b[1A');
    }
  }, 120_000);

  test('control: the same pty at 80 columns shows the spinner, so the pty is real', async () => {
    const home = path.join(makeTempDir(), 'state');
    const r = await onPty(home, 80, 'cluster create -g RG -n C --enable-wireguard -c 2');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Running ..');
  }, 60_000);
});
