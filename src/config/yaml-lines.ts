// Maps a key path (as zod reports it) back to the 1-based line in the YAML source, so every
// configuration error names file and line (STYLE 10). Pure: works on an already parsed document.
// Also offers "did you mean" suggestions for misspelt keys.
import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

export type KeyPath = readonly (string | number | symbol)[];

/**
 * Line of the deepest node along `path` that exists in the document. With `key`, the line of
 * that key inside the map at `path` (used for unknown keys, which zod reports on the parent).
 */
export function lineOf(doc: Document, counter: LineCounter, path: KeyPath, key?: string): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = rangeStart(node);
  const segments = key === undefined ? path : [...path, key];
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** The known key closest to `word` by edit distance, if it is close enough to be a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** "policy.outbound.action", "listeners[0].listen" */
export function formatPath(path: KeyPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? String(seg) : `.${String(seg)}`;
  }
  return s === '' ? '(top level)' : s;
}
