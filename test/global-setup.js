// Before any test: compile src/ to dist/ once, so tests that spawn bin/aks-wg (concurrency, interop) run the code
// under test. Type errors do not stop the build here; test/typecheck.test.ts fails on them with the compiler's text.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup() {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  const report = join(tmpdir(), `aks-wg-tsc-${process.pid}.txt`);
  writeFileSync(report, `${r.status}\n${r.stdout}${r.stderr}`);
  process.env.AKS_WG_TSC_REPORT = report;
}
