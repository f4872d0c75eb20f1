// The one min-heap (net/heap.ts): entries come out by key, equal keys in tie order, under any mix of pushes, pops
// and retains; held to a sorted list as the oracle.
import { expect, test } from '@jest/globals';
import fc from 'fast-check';
import { MinHeap } from '../../src/net/heap.js';

type Op = { op: 'push'; key: number; tie: number } | { op: 'pop' } | { op: 'retain'; mod: number };

test('property: pops in (key, tie) order, as a sorted list does', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({ op: fc.constant('push' as const), key: fc.integer({ min: 0, max: 20 }), tie: fc.integer({ min: 0, max: 1000 }) }),
          fc.record({ op: fc.constant('pop' as const) }),
          fc.record({ op: fc.constant('retain' as const), mod: fc.integer({ min: 2, max: 4 }) }),
        ) as fc.Arbitrary<Op>,
        { maxLength: 200 },
      ),
      (ops) => {
        const heap = new MinHeap<number>();
        let model: { key: number; tie: number; id: number }[] = [];
        let id = 0;
        const order = (a: { key: number; tie: number }, b: { key: number; tie: number }) => a.key - b.key || a.tie - b.tie;
        for (const o of ops) {
          if (o.op === 'push') {
            // ties made unique (as the device's insertion counter is), so the order is total and the oracle exact
            const tie = o.tie * 10_000 + id;
            heap.push(o.key, tie, id);
            model.push({ key: o.key, tie, id: id++ });
          } else if (o.op === 'pop') {
            if (model.length === 0) continue;
            model.sort(order);
            const want = model.shift()!;
            expect(heap.topKey()).toBe(want.key);
            expect(heap.top()).toBe(want.id);
            expect(heap.pop()).toBe(want.id);
          } else {
            heap.retain((v) => v % o.mod !== 0);
            model = model.filter((m) => m.id % o.mod !== 0);
          }
          expect(heap.size).toBe(model.length);
        }
        model.sort(order);
        const rest: number[] = [];
        while (heap.size > 0) rest.push(heap.pop());
        expect(rest).toEqual(model.map((m) => m.id));
      },
    ),
  );
});

test('distinct ties come out in tie order at one key', () => {
  const heap = new MinHeap<string>();
  for (const [tie, v] of [[5, 'e'], [1, 'a'], [3, 'c'], [2, 'b'], [4, 'd']] as const) heap.push(10, tie, v);
  heap.push(9, 100, 'first');
  const out: string[] = [];
  while (heap.size > 0) out.push(heap.pop());
  expect(out).toEqual(['first', 'a', 'b', 'c', 'd', 'e']);
});
