// The one block allocator (net/bytes.ts): arrays carved from shared blocks are zeroed, of the size asked, aligned,
// and never share a byte with one another, across block boundaries and for both bytes and words.
import { describe, expect, test } from '@jest/globals';
import { BlockAllocator, newBytes } from '../../src/net/bytes.js';

/** The byte range [start, end) an array covers in its backing store. */
const span = (a: Uint8Array | Uint32Array) => [a.byteOffset, a.byteOffset + a.byteLength] as const;

describe('newBytes', () => {
  test('arrays are zeroed, of the length asked, and never share a byte with another', () => {
    const arrays = Array.from({ length: 3000 }, (_, i) => newBytes((i * 37) % 700));
    arrays.push(newBytes(5000), newBytes(0));
    arrays.forEach((a, i) => {
      expect(a.every((b) => b === 0)).toBe(true);
      a.fill((i % 255) + 1);
    });
    arrays.forEach((a, i) => expect(a.every((b) => b === (i % 255) + 1)).toBe(true));
    expect(arrays.map((a) => a.length).slice(0, 3)).toEqual([0, 37, 74]);
    expect(arrays[3000]!.length).toBe(5000);
    // over 4 KB: a buffer of its own
    expect(arrays[3000]!.buffer.byteLength).toBe(5000);
  });
});

describe('BlockAllocator', () => {
  test('bytes and words from one allocator are 8-byte aligned and disjoint, and a full block starts a new one', () => {
    const alloc = new BlockAllocator(256, 64);
    const arrays: (Uint8Array | Uint32Array)[] = [];
    for (let i = 0; i < 40; i++) arrays.push(i % 2 ? alloc.words((i % 7) + 1) : alloc.bytes((i * 13) % 60));
    const blocks = new Set(arrays.map((a) => a.buffer));
    expect(blocks.size).toBeGreaterThan(1);
    for (const a of arrays) {
      expect(a.byteOffset % 8).toBe(0);
      expect(a.buffer.byteLength).toBe(256);
      expect(a.every((x) => x === 0)).toBe(true);
    }
    for (const block of blocks) {
      const inBlock = arrays.filter((a) => a.buffer === block && a.byteLength > 0).map(span).sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < inBlock.length; i++) expect(inBlock[i]![0]).toBeGreaterThanOrEqual(inBlock[i - 1]![1]);
    }
  });

  test('requests over the carving limit get a buffer of their own; two allocators never share a block', () => {
    const a = new BlockAllocator(1024, 64);
    const b = new BlockAllocator(1024, 64);
    expect(a.bytes(65).buffer.byteLength).toBe(65);
    expect(a.words(17).buffer.byteLength).toBe(68);
    expect(a.bytes(8).buffer).not.toBe(b.bytes(8).buffer);
    expect(a.bytes(8).buffer).not.toBe(newBytes(8).buffer);
  });
});
