// Renders the breach draft's blocks as Markdown or as one self-contained HTML page (inline CSS,
// no external resources, printable). Pure. All text is escaped; fill-in fields are highlighted.
import type { Block } from './types.ts';

const mdCell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function toMarkdown(blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'p') out.push(b.text);
    else if (b.kind === 'note') out.push(`> **${b.text}**`);
    else if (b.kind === 'list') out.push(b.items.map((i) => `- ${i}`).join('\n'));
    else if (b.kind === 'table') {
      out.push([`| ${b.head.map(mdCell).join(' | ')} |`, `|${b.head.map(() => '---').join('|')}|`, ...b.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`)].join('\n'));
    } else out.push(`${b.kind === 'h1' ? '#' : '##'} ${b.text}${b.gloss ? ` _(${b.gloss})_` : ''}`);
  }
  return out.join('\n\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** escape, then mark fill-ins and `code` */
function inline(s: string): string {
  return esc(s)
    .replace(/\[UDFYLDES: [^\]]*\]/g, (m) => `<mark class="fill">${m}</mark>`)
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}.gloss{color:#666;font-weight:normal;font-size:.85em}
.note{border-left:4px solid #b00;background:#fff4f4;padding:.5rem 1rem;font-weight:600}mark.fill{background:#ffe066;padding:0 .2em}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
td:not(:first-child){text-align:right}@media print{.note{background:none}}`;

export function toHtml(blocks: Block[]): string {
  const body: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'p') body.push(`<p>${inline(b.text)}</p>`);
    else if (b.kind === 'note') body.push(`<p class="note">${inline(b.text)}</p>`);
    else if (b.kind === 'list') body.push(`<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
    else if (b.kind === 'table') body.push(`<table><thead><tr>${b.head.map((h) => `<th>${inline(h)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    else body.push(`<${b.kind}>${inline(b.text)}${b.gloss ? ` <span class="gloss">(${esc(b.gloss)})</span>` : ''}</${b.kind}>`);
  }
  const title = blocks.find((b) => b.kind === 'h1');
  return `<!doctype html>\n<html lang="da"><head><meta charset="utf-8"><title>${title && 'text' in title ? esc(title.text) : 'Udkast'}</title><style>${CSS}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}
