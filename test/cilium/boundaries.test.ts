/** The agent layer's boundaries: what src/cilium may import, and how the node commands pick their cluster. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, test } from '@jest/globals';
import { session } from '../helpers/cli.js';
import { removeTempDirs } from '../helpers/tmp.js';

afterEach(removeTempDirs);

describe('src/cilium imports', () => {
  test('no cli/ or commands/, no commander, chalk, ora or yaml; agents.ts has no value import of the engine', () => {
    const dir = path.resolve('src/cilium');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      const specs = [...text.matchAll(/(?:import|from)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
      for (const s of specs) {
        expect([file, s]).not.toEqual([file, expect.stringMatching(/^(\.\.\/(cli|commands)\/|commander$|chalk$|ora$|yaml$)/)]);
      }
    }
    // The fabric and the commands import agents.ts at start-up cost: keep it free of crypto.
    const agents = fs.readFileSync(path.join(dir, 'agents.ts'), 'utf8');
    expect(agents).not.toMatch(/from '\.\.\/wireguard\//);
  });
});

describe('node commands pick their cluster', () => {
  test('-g and -n together, or the current context; one alone is a usage error', async () => {
    const s = session();
    await s.run('cluster create -g RG -n C --enable-wireguard');
    const none = await s.run('node list');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no current context is set');
    const half = await s.run('node list -g RG');
    expect([half.code, half.stderr]).toEqual([2, 'ERROR: the following arguments are required: --name/-n\n']);
    await s.run('cluster get-credentials -g RG -n C');
    expect((await s.run('node list --query length(@)')).stdout).toBe('3\n');
    expect((await s.run('node list -g RG -n C --query length(@)')).stdout).toBe('3\n');
    const missing = await s.run('node list -g RG -n nope');
    expect(missing.code).toBe(3);
  });

  test('a terminal sees the spinner while the agents restart; a pipe sees none', async () => {
    const tty = session({ tty: true });
    await tty.run('cluster create -g RG -n C --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium --enable-acns -o none');
    const r = await tty.run('cluster update -g RG -n C --enable-wireguard -o none');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('\u001b[');
    expect(r.stderr).toContain('Restarted 3 Cilium agents one by one with WireGuard (30s of simulated time).');
    const pipe = session();
    await pipe.run('cluster create -g RG -n C --network-plugin azure --network-plugin-mode overlay --network-dataplane cilium --enable-acns -o none');
    const p = await pipe.run('cluster update -g RG -n C --enable-wireguard -o none');
    expect(p.stderr).toBe('Restarted 3 Cilium agents one by one with WireGuard (30s of simulated time).\n');
  });
});
