// src/wireguard is pure: it imports only @noble/* and ../platform/types.js, and touches no clock, timer or OS
// randomness of its own.
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = path.resolve('src/wireguard');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));

test.each(files)('src/wireguard/%s imports only @noble/*, platform types and its siblings', (file) => {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const specs = [...text.matchAll(/(?:import|export)[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
  for (const s of specs) {
    const ok = s.startsWith('@noble/') || s === '../platform/types.js' || /^\.\/[a-z0-9-]+\.js$/.test(s);
    expect([file, s, ok]).toEqual([file, s, true]);
  }
  // no wall clock, timers, OS randomness or process access
  const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  expect(code).not.toMatch(/\bDate\.now\b|\bnew Date\b|\bsetTimeout\b|\bsetInterval\b|\bMath\.random\b|\bprocess\.|\bperformance\.|\bcrypto\.getRandomValues\b|\bBuffer\b/);
});
