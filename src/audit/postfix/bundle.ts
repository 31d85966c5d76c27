// A worker thread's code as one CommonJS script, bundled by esbuild (tsx's own compiler) on first
// use and kept for the process. I/O: esbuild reads the entry and its imports. Protects "a worker
// runs the same code as the main thread": the bundle is made from the very source files in use.
import { fileURLToPath } from 'node:url';

const bundles = new Map<string, Promise<string>>();

/**
 * Worker threads do not inherit the tsx loader this project runs under (starting it in each worker
 * costs ~0.3 s), so `entry` (a URL, e.g. `new URL('./worker.ts', import.meta.url)`) and everything
 * it imports are bundled once (~25 ms). Rejects when esbuild is missing (a trimmed install): the
 * callers then audit on one thread.
 */
export function workerCode(entry: URL): Promise<string> {
  const path = fileURLToPath(entry);
  let code = bundles.get(path);
  if (code === undefined) {
    code = import('esbuild').then(async (esbuild) => {
      const out = await esbuild.build({
        entryPoints: [path], bundle: true, write: false, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'silent',
      });
      return out.outputFiles[0].text;
    });
    // a failed build is not cached: the next audit may try again (and fall back again)
    code.catch(() => bundles.delete(path));
    bundles.set(path, code);
  }
  return code;
}
