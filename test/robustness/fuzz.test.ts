/**
 * CLI fuzz: at least 10,000 generated argument vectors over every registered command — valid flags with invalid
 * values, unknown flags, random strings, huge and negative numbers, unicode, empty strings, repeated flags. Each must
 * end with an exit code in {0, 1, 2, 3}, print no stack trace, and leave a state directory that still loads.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { CommandSpec, FlagSpec } from '../../src/commands/command.js';
import { allFlags } from '../../src/cli/program.js';
import { loadSpecs } from '../../src/cli/registry.js';

const SPECS = await loadSpecs();
import { listClusters } from '../../src/repo/cluster.js';
import { Store } from '../../src/state/store.js';
import { run, testEnv, type TestEnv } from '../helpers/cli.js';
import { makeTempDir, removeTempDirs } from '../helpers/tmp.js';

/**
 * Commands that wait on real sockets or real time are fuzzed only through their argument layer (--help-free errors).
 * The lab commands build real network namespaces and processes when run as root: not fuzzed (test/lab covers them).
 */
const REAL_IO = new Set(['wg ping', 'wg listen', 'lab up', 'lab status', 'lab exec', 'lab down']);
const VECTORS = 10_000;

let env: TestEnv;
beforeAll(async () => {
  // Files the vectors name (--capture C, -f x) land in a scratch working directory, never in the checkout.
  env = testEnv({ seed: 'fuzz', cwd: makeTempDir('aks-wg-fuzz-cwd-') });
  for (const argv of ['cluster create -g RG -n C --enable-wireguard -c 2', 'cluster create -g RG -n plain -c 1', 'cluster get-credentials -g RG -n C']) {
    await run(argv, { env });
  }
});
afterAll(removeTempDirs);

const weird = fc.oneof(
  fc.constantFrom('', ' ', '-', '--', '-1', '0', '1', '3', '1001', '5001', '99999999999999999999', '-99999', '1e9', '0x10', 'NaN', '∞', 'ünïcödé', '🙂', 'RG', 'C', 'plain', 'a'.repeat(300), '../../etc/passwd', '/dev/null', 'kube-system/coredns', 'node/x', 'svc/default/kubernetes', '10.244.0.5', '10m', '10x', '-o', 'json', 'table', 'WireGuard', 'none', '[', '{', 'null'),
  fc.string({ maxLength: 12 }),
  fc.integer().map(String),
  fc.stringMatching(/^[a-z0-9-]{1,12}$/),
);

function valueFor(flag: FlagSpec): fc.Arbitrary<string[]> {
  const name = fc.constantFrom(`--${flag.long}`, ...(flag.short ? [`-${flag.short}`] : []));
  if (flag.kind === 'switch') return name.map((n) => [n]);
  const valid =
    flag.kind === 'enum'
      ? fc.constantFrom(...(flag.choices ?? ['x']))
      : flag.kind === 'int'
        ? fc.integer({ min: -5, max: 1200 }).map(String)
        : fc.constantFrom('RG', 'C', 'plain', 'nodepool1', 'kube-system');
  return fc.tuple(name, fc.oneof({ weight: 2, arbitrary: valid }, { weight: 1, arbitrary: weird })).map(([n, v]) => [n, v]);
}

function vectorFor(spec: CommandSpec): fc.Arbitrary<string[]> {
  const flags = allFlags(spec).filter((f) => f.long !== 'debug');
  // Required flags are usually present and valid, so most vectors get past parsing into the command itself.
  const required = fc.tuple(
    ...flags
      .filter((f) => f.required)
      .map((f) =>
        fc.oneof(
          { weight: 16, arbitrary: valueFor(f).map((v) => (v.length === 2 ? [v[0]!, f.long === 'resource-group' ? 'RG' : f.long.includes('name') && !f.long.startsWith('nodepool') ? (spec.path[0] === 'nodepool' && f.long === 'name' ? 'nodepool1' : 'C') : v[1]!] : v)) },
          { weight: 3, arbitrary: valueFor(f) },
          { weight: 1, arbitrary: fc.constant([] as string[]) },
        ),
      ),
  );
  const extras = fc.array(
    fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...flags).chain(valueFor) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('--frobnicate', '-z', '--no-such', '--yes=1', '--name='), weird).map((t) => [...t]) },
      { weight: 1, arbitrary: weird.map((w) => [w]) },
    ),
    { maxLength: 5 },
  );
  const positionals = fc.array(fc.oneof(fc.constantFrom('kube-system/coredns', 'nodes', 'pods', 'services', 'ciliumnodes', '-', '10s', '90s'), weird), {
    maxLength: (spec.positionals?.length ?? 0) + (spec.positionals?.length ? 1 : 0),
  });
  return fc.tuple(required, extras, positionals).map(([r, e, p]) => [...spec.path, ...p, ...r.flat(), ...e.flat()]);
}

const fuzzable = SPECS.filter((s) => !REAL_IO.has(s.path.join(' ')));
const argvArb = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...fuzzable).chain(vectorFor) },
  { weight: 1, arbitrary: fc.array(weird, { maxLength: 5 }) },
);

test(`${VECTORS} argument vectors: exit code in {0,1,2,3}, no stack trace, state still loads`, async () => {
  const codes = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(argvArb, async (argv) => {
      const r = await run(argv, { env });
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      expect([0, 1, 2, 3]).toContain(r.code);
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\s*$/m);
      expect(r.stderr).not.toMatch(/this is a bug in aks-wg/);
    }),
    { numRuns: VECTORS, seed: 20261126, endOnFailure: true },
  );
  console.log(`fuzz exit codes: ${JSON.stringify(Object.fromEntries([...codes].sort()))}`);
  // The state directory still loads after all of it.
  const store = new Store(env);
  expect(() => listClusters(store)).not.toThrow();
  // The vectors really exercised success, failure, usage and not-found paths.
  for (const code of [0, 1, 2, 3]) expect(codes.get(code) ?? 0).toBeGreaterThan(0);
}, 600_000);
