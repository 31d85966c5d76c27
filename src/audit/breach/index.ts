// The breach-report draft: facts from gateway decisions and audit outputs → Markdown or HTML.
// Pure assembly (no I/O: src/cli/report.ts reads the store and files), plus validation of
// audit JSON with precise errors naming the file.
import { PvError } from '../../errors.ts';
import { computeFacts } from './facts.ts';
import { breachDocument } from './document.ts';
import { toHtml, toMarkdown } from './render.ts';
import type { AuditInput, BreachInput } from './types.ts';

export type { BreachInput, AuditInput, BreachFacts } from './types.ts';
export { computeFacts } from './facts.ts';
export { periodBounds } from '../../time/danish.ts';

export function buildBreachReport(input: BreachInput, format: 'md' | 'html'): string {
  const blocks = breachDocument(computeFacts(input));
  return format === 'html' ? toHtml(blocks) : toMarkdown(blocks);
}

/** `postvagt audit … --format json` text → the parts the report uses; PV_INPUT_FORMAT otherwise */
export function parseAuditJson(file: string, text: string): AuditInput {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PvError('PV_INPUT_FORMAT', `not JSON (${(err as Error).message}); give the output of 'postvagt audit postfix|exchange --format json'`, { file });
  }
  const o = data as { source?: unknown; silent?: unknown };
  if (typeof o !== 'object' || o === null || !Array.isArray(o.silent)) {
    throw new PvError('PV_INPUT_FORMAT', `no "silent" list; give the output of 'postvagt audit postfix|exchange --format json'`, { file });
  }
  const silent = o.silent.map((s, i) => {
    const x = s as Record<string, unknown>;
    if (typeof x !== 'object' || x === null || typeof x.time !== 'string' || !Array.isArray(x.to) || Number.isNaN(Date.parse(x.time))) {
      throw new PvError('PV_INPUT_FORMAT', `silent[${i}] lacks a valid time or "to" list`, { file });
    }
    return {
      time: new Date(x.time).toISOString(), from: String(x.from ?? ''), to: x.to.map(String), reason: String(x.reason ?? ''),
      ...(typeof x.subject === 'string' ? { subject: x.subject } : {}),
      ...(typeof x.queue_id === 'string' ? { queue_id: x.queue_id } : {}),
      ...(typeof x.message_id === 'string' ? { message_id: x.message_id } : {}),
    };
  });
  return { file, source: typeof o.source === 'string' ? o.source : 'audit', silent };
}
