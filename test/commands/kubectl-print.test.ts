/** kubectl's printers: tabwriter columns, and the streamed List writers match a whole-document rendering. */
import { expect, test } from '@jest/globals';
import { kubeList } from '../../src/cluster/kube-objects.js';
import { formatColumns, kubeJson, kubeYaml, writeJsonList, writeYamlList } from '../../src/commands/kubectl/shared.js';

const sink = () => {
  const chunks: string[] = [];
  return { write: (s: string) => chunks.push(s), text: () => chunks.join('') };
};

const ITEMS = [
  { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'a', labels: { z: '1', a: '2' } }, spec: { containers: [{ name: 'c', ports: [] }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' }, status: { podIPs: [{ ip: '10.244.0.3' }], empty: {} } },
];

test.each([[[]], [ITEMS.slice(0, 1)], [ITEMS], [Array.from({ length: 600 }, (_, i) => ({ ...ITEMS[1], metadata: { name: `p${i}` } }))]])(
  'streamed JSON List = kubeJson(List) (%#)',
  (items) => {
    const out = sink();
    writeJsonList(out, items);
    expect(out.text()).toBe(kubeJson(kubeList(items as Record<string, unknown>[])));
  },
);

test.each([[[]], [ITEMS]])('streamed YAML List = kubeYaml(List) (%#)', async (items) => {
  const out = sink();
  await writeYamlList(out, items);
  expect(out.text()).toBe(await kubeYaml(kubeList(items as Record<string, unknown>[])));
});

test('JSON keys are sorted at every level, 4-space indent', () => {
  expect(kubeJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: 2 } })).toBe('{\n    "a": {\n        "c": 2,\n        "d": [\n            {\n                "x": 2,\n                "y": 1\n            }\n        ]\n    },\n    "b": 1\n}\n');
});

test('YAML quotes what YAML 1.1 would read as something else, as kubectl does', async () => {
  expect(await kubeYaml({ creationTimestamp: '2026-01-01T00:00:00Z', v: 'yes', num: '1', z: null })).toBe('creationTimestamp: "2026-01-01T00:00:00Z"\nnum: "1"\nv: "yes"\nz: null\n');
});

test('tabwriter: padding 3, minimum width 6, last column unpadded', () => {
  expect(formatColumns([['NAME', 'IP', 'AGE'], ['a', '10.0.0.1', '5s']])).toBe('NAME   IP         AGE\na      10.0.0.1   5s\n');
});
