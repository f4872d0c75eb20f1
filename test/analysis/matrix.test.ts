import { Chalk } from 'chalk';
import { groupNodes, renderMatrix, type MatrixFlow, type MatrixNode } from '../../src/analysis/matrix.js';

// eslint-disable-next-line no-control-regex
const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 1 });

const three: MatrixNode[] = [
  { name: 'aks-nodepool1-31415926-vmss000000', pool: 'nodepool1' },
  { name: 'aks-nodepool1-31415926-vmss000001', pool: 'nodepool1' },
  { name: 'aks-userpool-31415926-vmss000000', pool: 'userpool' },
];
const f = (a: number, b: number, encrypted: boolean): MatrixFlow => ({ sourceNode: three[a]!.name, destinationNode: three[b]!.name, encrypted });

describe('coverage matrix', () => {
  const flows = [f(0, 1, true), f(0, 1, true), f(0, 2, true), f(0, 2, false), f(1, 0, false), f(0, 0, false)];

  it('draws 3 nodes with plain symbols when colour is off', () => {
    const out = renderMatrix(three, flows, { chalk: plain });
    expect(out).toBe(
      [
        'Pod-to-pod flows encrypted, by node pair (row: source, column: destination)',
        '     1  2  3',
        ' 1   ~  #  +',
        ' 2   -  .  .',
        ' 3   .  .  .',
        '',
        'Legend: # all encrypted  + some encrypted  - none encrypted',
        '        ~ same node (not on the wire)  . no pod flows',
        'Nodes (6 pod flows):',
        '  1 aks-nodepool1-31415926-vmss000000 (nodepool1) 3/4 outgoing encrypted',
        '  2 aks-nodepool1-31415926-vmss000001 (nodepool1) 0/1 outgoing encrypted',
        '  3 aks-userpool-31415926-vmss000000 (userpool) no cross-node pod flows',
        '',
      ].join('\n'),
    );
    expect(out).not.toMatch(/\u001b/);
  });

  it('colours the same symbols when colour is on, and the text is otherwise identical', () => {
    const out = renderMatrix(three, flows, { chalk: colour });
    expect(out).toContain('\u001b[32m#\u001b[39m');
    expect(out).toContain('\u001b[33m+\u001b[39m');
    expect(out).toContain('\u001b[31m-\u001b[39m');
    expect(strip(out)).toBe(renderMatrix(three, flows, { chalk: plain }));
  });

  it('groups 200 nodes in two pools so that every line fits 80 columns', () => {
    const nodes: MatrixNode[] = Array.from({ length: 200 }, (_, i) => ({
      name: `aks-${i < 150 ? 'nodepool1' : 'gpu'}-31415926-vmss${(i < 150 ? i : i - 150).toString(36).padStart(6, '0')}`,
      pool: i < 150 ? 'nodepool1' : 'gpu',
    }));
    const flows: MatrixFlow[] = [];
    for (let i = 0; i < 200; i++) flows.push({ sourceNode: nodes[i]!.name, destinationNode: nodes[(i + 1) % 200]!.name, encrypted: i % 7 !== 0 });
    for (const chalk of [plain, colour]) {
      const out = renderMatrix(nodes, flows, { chalk });
      const lines = strip(out).split('\n');
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
      expect(lines[0]).toMatch(/^Pod-to-pod/);
    }
    const groups = groupNodes(nodes, 24);
    expect(groups.length).toBeLessThanOrEqual(24);
    expect(groups.reduce((n, g) => n + g.members.length, 0)).toBe(200);
    expect(groups[0]!.label).toBe('nodepool1[0-8]');
    expect(groups[groups.length - 1]!.label).toMatch(/^gpu\[\d+-49\]$/);
    expect(strip(renderMatrix(nodes, flows, { chalk: plain }))).toContain('Nodes, in ');
  });

  it('groups many small pools together when there are more pools than columns', () => {
    const nodes = Array.from({ length: 60 }, (_, i) => ({ name: `n${i}`, pool: `p${i}` }));
    const out = strip(renderMatrix(nodes, [], { chalk: plain, width: 40 }));
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(40);
    expect(out).toContain('p0..p5 (6 pools, 6 nodes)');
  });
});
