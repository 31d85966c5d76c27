// Walks the closed configuration schema to list the keys allowed at a path, so an unknown-key
// error can say "did you mean 'action'?". Pure; reads zod 4's public `_zod.def` descriptors.
import type { z } from 'zod';
import type { KeyPath } from './yaml-lines.ts';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

function def(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strip wrappers (default, prefault, optional, pipe …) down to the structural schema. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const d = def(cur);
    if (d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else break;
  }
  return cur;
}

/** Keys an object at `path` may have (union of all alternatives for discriminated unions). */
export function knownKeys(schema: z.ZodType, path: KeyPath): string[] {
  let nodes: z.ZodType[] = [schema];
  for (const seg of path) {
    const next: z.ZodType[] = [];
    for (const n of nodes.map(unwrap)) {
      const d = def(n);
      if (d.type === 'object' && d.shape && typeof seg === 'string' && d.shape[seg]) next.push(d.shape[seg]);
      else if (d.type === 'array' && d.element) next.push(d.element);
      else if (d.type === 'record' && d.valueType) next.push(d.valueType);
      else if (d.type === 'union' && d.options) next.push(...d.options.flatMap((o) => childOf(o, seg)));
    }
    nodes = next;
  }
  const keys = new Set<string>();
  for (const n of nodes.map(unwrap)) {
    const d = def(n);
    if (d.type === 'object' && d.shape) Object.keys(d.shape).forEach((k) => keys.add(k));
    if (d.type === 'union' && d.options) {
      for (const o of d.options) Object.keys(def(unwrap(o)).shape ?? {}).forEach((k) => keys.add(k));
    }
  }
  return [...keys];
}

function childOf(option: z.ZodType, seg: string | number | symbol): z.ZodType[] {
  const d = def(unwrap(option));
  return d.shape && typeof seg === 'string' && d.shape[seg] ? [d.shape[seg]] : [];
}
