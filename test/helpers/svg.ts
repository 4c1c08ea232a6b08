// Reading chart files in tests: SVG marks counted from the parsed XML, PNG sizes from the header.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Parses an SVG file and counts the data marks of each Vega mark type (class "mark-line role-mark", ...). */
export function svgMarks(path: string): Record<string, number> {
  const text = readFileSync(path, 'utf8');
  assert.equal(XMLValidator.validate(text), true, 'well-formed XML');
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text);
  assert.ok(doc.svg, 'an <svg> root');
  const counts: Record<string, number> = {};
  const walk = (node: unknown, mark: string | null) => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, mark));
    if (typeof node !== 'object' || node === null) return;
    const n = node as Record<string, unknown>;
    const cls = typeof n.class === 'string' ? n.class : '';
    // Only data marks: axes, legends and titles are marks too, with other roles.
    const here = /\brole-mark\b/.test(cls) ? cls.match(/\bmark-(\w+)/)![1] : /\bmark-/.test(cls) ? null : mark;
    for (const [k, v] of Object.entries(n)) {
      if ((k === 'path' || k === 'text' || k === 'line') && here) counts[here] = (counts[here] ?? 0) + (Array.isArray(v) ? v.length : 1);
      if (typeof v === 'object') walk(v, here);
    }
  };
  walk(doc.svg, null);
  return counts;
}

/** PNG: the 8-byte signature, then an IHDR chunk with width and height. */
export function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(b.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

