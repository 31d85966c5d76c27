// A one-line progress bar on stderr for long audits — only when stderr is a terminal, so pipes,
// CI logs and JSON output on stdout stay clean. I/O: writes to the given stream; at most 5 redraws/s.
import type { Writable } from 'node:stream';
import type { InputProgress } from './input.ts';

export interface Progress { onProgress?: (p: InputProgress) => void; done(): void }

export function progressBar(stream: Writable & { isTTY?: boolean }, now: () => number = Date.now): Progress {
  if (!stream.isTTY) return { done() {} };
  let last = -Infinity;
  let drawn = false;
  return {
    onProgress(p) {
      const t = now();
      if (t - last < 200 && p.bytesRead < p.totalBytes) return;
      last = t;
      const frac = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 1;
      const width = 30;
      const full = Math.round(frac * width);
      const name = p.file.length > 40 ? `…${p.file.slice(-39)}` : p.file;
      stream.write(`\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.round(frac * 100)).padStart(3)}% ${name}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
