// Editing a few keys of a YAML file the user wrote, keeping everything else as they wrote it.
// The yaml package's Document API keeps comments, but printing the document again reformats it:
// flow lists get padded (`[1, 2]` becomes `[ 1, 2 ]`) and a comment that runs on over the next
// lines (`cycles: 4   # ...` in sweeps/quickstart.yaml) moves under its key. So each edit is made
// in the text itself, at the source range of the node the Document API found; the result is
// parsed again and must mean what the Document API's edit means, or the document is printed as
// yaml would print it (flow collections unpadded). Text edits cover block mappings, the shape
// sweep files have; a key inside a flow mapping (`schedule: { a: 1 }`) takes the fallback.

import { isMap, isScalar, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';

/** Set `key` of the mapping at `parent` to `value` (undefined: remove the key). */
export interface YamlEdit {
  parent: string;
  key: string;
  value: number | string | Record<string, unknown> | undefined;
}

/** How a value is written: scalars as YAML prints them, mappings and lists in flow style on one line. */
function render(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${render(v)}`).join(', ')} }`;
  return typeof value === 'string' && !/^[A-Za-z_][\w-]*$/.test(value) ? JSON.stringify(value) : String(value);
}

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
const lineEnd = (text: string, at: number) => {
  const end = text.indexOf('\n', at);
  return end < 0 ? text.length : end + 1;
};

interface Splice {
  from: number;
  to: number;
  text: string;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

/** The text splice that makes one edit, or null when it cannot be made in the text. */
function spliceFor(text: string, doc: Document, edit: YamlEdit): Splice | null {
  const parent = doc.get(edit.parent, true);
  if (parent === undefined) {
    if (edit.value === undefined) return { from: text.length, to: text.length, text: '' };
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    return { from: text.length, to: text.length, text: `${sep}${edit.parent}:\n  ${edit.key}: ${render(edit.value)}\n` };
  }
  if (!isMap(parent) || parent.flow) return null;
  const pair = findPair(parent, edit.key);
  const keyNode = pair?.key as { range?: [number, number, number] } | undefined;
  const valueNode = pair?.value as { range?: [number, number, number] } | null | undefined;
  if (pair && (!keyNode?.range || !valueNode?.range)) return null;
  if (edit.value === undefined) {
    if (!pair) return { from: 0, to: 0, text: '' };
    // The whole line of a `key: value  # comment` pair that starts its line.
    const from = lineStart(text, keyNode!.range![0]);
    if (text.slice(from, keyNode!.range![0]).trim() !== '') return null;
    const to = lineEnd(text, valueNode!.range![1]);
    if (!/^\s*(#.*)?$/.test(text.slice(valueNode!.range![1], to))) return null;
    return { from, to, text: '' };
  }
  if (pair) return { from: valueNode!.range![0], to: valueNode!.range![1], text: render(edit.value) };
  // A new key: a line of its own after the mapping's last pair, indented as its first key.
  const first = parent.items[0]?.key as { range?: [number, number, number] } | undefined;
  const last = parent.items[parent.items.length - 1]?.value as { range?: [number, number, number] } | undefined;
  if (!first?.range || !last?.range) return null;
  const indent = text.slice(lineStart(text, first.range[0]), first.range[0]);
  if (indent.trim() !== '') return null;
  const at = lineEnd(text, last.range[1]);
  const sep = text.slice(0, at).endsWith('\n') ? '' : '\n';
  return { from: at, to: at, text: `${sep}${indent}${edit.key}: ${render(edit.value)}\n` };
}

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

/** The text with the edits made, formatting and comments kept where the text allows (see above). */
export function editYaml(text: string, edits: readonly YamlEdit[]): string {
  const doc = parseDocument(text);
  const wanted = parseDocument(text);
  for (const e of edits) {
    if (e.value === undefined) {
      if (wanted.hasIn([e.parent, e.key])) wanted.deleteIn([e.parent, e.key]);
    } else wanted.setIn([e.parent, e.key], typeof e.value === 'object' ? wanted.createNode(e.value, { flow: true }) : e.value);
  }
  const printed = wanted.toString({ flowCollectionPadding: false });
  const splices = edits.map((e) => spliceFor(text, doc, e));
  if (splices.some((s) => s === null)) return printed;
  let out = text;
  // From the end, so earlier positions stay valid; at one position, in the order the edits came.
  const ordered = (splices as Splice[]).map((s, i) => ({ ...s, i })).sort((a, b) => b.from - a.from || b.i - a.i);
  for (const s of ordered) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  const check = parseDocument(out);
  return check.errors.length === 0 && canonical(check.toJS()) === canonical(wanted.toJS()) ? out : printed;
}
