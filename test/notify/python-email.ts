// Test helper: parse notices with Python's standard `email` package (an independent, strict MIME parser:
// raise_on_defect=True), in ONE subprocess for a whole batch. I/O: spawns /usr/bin/python3.
import { spawnSync } from 'node:child_process';

export interface ParsedNotice {
  error: string | null;
  headers: Record<string, string[]>;
  contentType: string;
  reportType: string | null;
  parts: {
    contentType: string;
    charset: string | null;
    cte: string | null;
    language: string | null;
    text: string | null;
    blocks: [string, string][][] | null;
  }[];
}

const SCRIPT = String.raw`
import sys, json, base64, email, email.policy
strict = email.policy.default.clone(raise_on_defect=True)
out = []
for b64 in json.load(sys.stdin):
    raw = base64.b64decode(b64)
    try:
        m = email.message_from_bytes(raw, policy=strict)
        parts = []
        for p in m.iter_parts():
            ct = p.get_content_type()
            item = {"contentType": ct, "charset": p.get_content_charset(), "cte": p.get("Content-Transfer-Encoding"),
                    "language": p.get("Content-Language"), "text": None, "blocks": None}
            if ct == "message/delivery-status":
                item["blocks"] = [[[k, str(v)] for k, v in blk.items()] for blk in p.get_payload()]
            else:
                item["text"] = p.get_content()
            parts.append(item)
        headers = {}
        for k, v in m.items():
            headers.setdefault(k.lower(), []).append(str(v))
        out.append({"error": None, "headers": headers, "contentType": m.get_content_type(),
                    "reportType": m.get_param("report-type"), "parts": parts})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e), "headers": {}, "contentType": "", "reportType": None, "parts": []})
json.dump(out, sys.stdout)
`;

export function parseWithPython(raws: Buffer[]): ParsedNotice[] {
  const r = spawnSync('/usr/bin/python3', ['-c', SCRIPT], {
    input: JSON.stringify(raws.map((b) => b.toString('base64'))),
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString()) as ParsedNotice[];
}
