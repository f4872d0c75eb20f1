/** The build that global-setup ran must be free of type errors (strict TypeScript is part of the test suite). */
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';

test('src/ compiles without type errors', () => {
  const report = process.env['AKS_WG_TSC_REPORT'];
  expect(report).toBeDefined();
  const [status, ...output] = readFileSync(report!, 'utf8').split('\n');
  expect(output.join('\n').trim()).toBe('');
  expect(status).toBe('0');
});
