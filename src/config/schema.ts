// The one closed configuration schema (STYLE 10): unknown keys are errors, every value checked.
// No I/O; loading, YAML line numbers and environment overrides live in load.ts.
// There is no way to express "discard": actions come from policy/types.ts ACTIONS (invariant 1).
import { z } from 'zod';
import { ACTIONS } from '../policy/types.ts';

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 127.0.0.1:2525 or [::1]:2525');

const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'expected a network in CIDR form, e.g. 10.0.0.0/8 or ::1/128');

/**
 * web.public_url: the address people reach the dashboard at, used for links in escalations and the
 * digest. A link in a mail is clicked by a reviewer, so only http(s), no credentials (they would be
 * mailed around), no query or fragment (the paths /incidents… are appended); one trailing / is dropped.
 */
const publicUrl = z.string().superRefine((value, ctx) => {
  const why = publicUrlProblem(value);
  if (why) ctx.addIssue({ code: 'custom', message: why });
}).transform((u) => u.replace(/\/+$/, ''));

function publicUrlProblem(value: string): string | undefined {
  const example = 'e.g. https://postvagt.kommune.example';
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `expected the dashboard's address as an http:// or https:// URL, ${example}`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `expected http:// or https://, not ${u.protocol}// (${example})`;
  if (u.username || u.password) return 'no user name or password in the address: it is mailed to the central mailbox';
  if (u.search || value.includes('?')) return `no query (?…) in the address: the links add /incidents/… to it (${example})`;
  if (u.hash || value.includes('#')) return `no fragment (#…) in the address: the links add /incidents/… to it (${example})`;
  if (/\s/.test(value)) return 'no spaces in the address';
  return undefined;
}

// The actions policy may take. 'pass' is allowed only for inbound monitoring-only setups.
const action = z.enum(ACTIONS);

/** the default `notify.contact`: real deployments set a phone number and address */
export const DEFAULT_CONTACT = 'IT-support';

export const DEFAULT_SCANNED_HEADERS = [
  'Subject',
  'Thread-Topic',
  'From',
  'To',
  'Cc',
  'Bcc',
  'Reply-To',
  'Sender',
  'Comments',
  'Keywords',
  'X-*',
] as const;

const listener = z.strictObject({
  name: z.string().min(1),
  listen: hostPort,
  direction: z.enum(['outbound', 'inbound']),
  /** the route in `upstreams` this listener relays to */
  upstream: z.string().default('default'),
  /** who may relay: client networks and/or SMTP AUTH. Both empty is refused at load (no open relay). */
  relay: z
    .strictObject({
      networks: z.array(cidr).default(['127.0.0.0/8', '::1/128']),
      auth: z.boolean().default(false),
    })
    .prefault({}),
  tls: z
    .strictObject({
      /** PEM files; without them a self-signed certificate is generated (development mode only) */
      cert_file: z.string().optional(),
      key_file: z.string().optional(),
      starttls: z.boolean().default(true),
    })
    .prefault({}),
  max_message_size: z.number().int().positive().default(50 * 1024 * 1024),
  max_header_size: z.number().int().positive().default(2 * 1024 * 1024),
  max_connections: z.number().int().positive().default(200),
  socket_timeout_ms: z.number().int().positive().default(60_000),
  /** deadline for one transaction's decision + upstream answer; past it → 451 4.3.0 */
  transaction_timeout_ms: z.number().int().positive().default(120_000),
});

const upstream = z.strictObject({
  /** smtp://host:port, or 'capture' for the embedded capture mailbox */
  // smtps:// (implicit TLS, RFC 8314) is not spoken by the gateway's upstream client: refuse it here
  // rather than let a route fail at run time; forced TLS is `smtp://…` with `require_tls: true`
  url: z
    .string()
    .refine((u) => !/^smtps:/i.test(u), 'smtps:// (implicit TLS) is not supported for routes; use smtp://HOST:PORT with require_tls: true (STARTTLS)')
    .pipe(z.string().regex(/^(capture|smtp:\/\/[^\s/]+(:\d+)?\/?)$/, "expected smtp://HOST:PORT or 'capture'")),
  /** forced TLS (as Danish authorities use between them): no TLS → 4xx to the client, never plaintext */
  require_tls: z.boolean().default(false),
  verify_certificates: z.boolean().default(true),
  /** pinned CA file for the upstream's certificate */
  ca_file: z.string().optional(),
  max_connections: z.number().int().positive().default(16),
  timeout_ms: z.number().int().positive().default(30_000),
  /** EHLO name we present upstream */
  helo_name: z.string().optional(),
});

const directionPolicy = z.strictObject({
  action,
});

export const configSchema = z.strictObject({
  /** production refuses default secrets and self-signed certificates */
  mode: z.enum(['development', 'production']).default('development'),
  data_dir: z.string().default('./var'),
  listeners: z
    .array(listener)
    .min(1, 'give at least one listener (name, listen, direction)')
    .default(() => [listener.parse({ name: 'outbound', listen: '127.0.0.1:2525', direction: 'outbound' })]),
  upstreams: z.record(z.string(), upstream).default(() => ({ default: upstream.parse({ url: 'capture' }) })),
  policy: z
    .strictObject({
      outbound: directionPolicy.prefault({ action: 'reject' }),
      inbound: directionPolicy.prefault({ action: 'redact' }),
      /** header names to scan; `X-*` means every X- header */
      headers: z.array(z.string().min(1)).default([...DEFAULT_SCANNED_HEADERS]),
      /** 'full' → XXXXXX-XXXX; 'date' → 251284-XXXX (opt-in, shows the birth date) */
      mask: z.enum(['full', 'date']).default('full'),
      /** header added by the tag action */
      tag_header: z.string().regex(/^X-[A-Za-z0-9-]+$/).default('X-Postvagt-CPR'),
    })
    .prefault({}),
  notify: z
    .strictObject({
      /** From: of notices */
      postmaster: z.string().default('postmaster@localhost'),
      /** who case workers contact, quoted in every notice */
      // reads in both languages of a notice ("Kontakt IT-support …" / "Contact IT-support …"); set a phone and address
      contact: z.string().default(DEFAULT_CONTACT),
      /** senders that cannot receive a notice (no-reply, web forms): regexes on the address */
      unreachable_senders: z.array(z.string()).default(['^no-?reply@', '^do-?not-?reply@', '^mailer-daemon@']),
      /** the central failure mailbox: escalations and the daily digest */
      central_mailbox: z.string().default('postmaster@localhost'),
    })
    .prefault({}),
  store: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('sqlite'), path: z.string().optional() }),
      z.strictObject({ kind: z.literal('postgres'), url: z.string() }),
    ])
    .default({ kind: 'sqlite' }),
  web: z
    .strictObject({
      listen: hostPort.default('127.0.0.1:8025'),
      /** the dashboard's address as people reach it (often a TLS reverse proxy); links in mails */
      public_url: publicUrl.optional(),
    })
    .prefault({}),
  secrets: z
    .strictObject({
      /** HMAC key for fingerprints; env POSTVAGT_HMAC_KEY or this file */
      hmac_key_file: z.string().optional(),
      /** key for quarantine encryption at rest; env POSTVAGT_QUARANTINE_KEY or this file */
      quarantine_key_file: z.string().optional(),
      /** after a key rotation: the earlier quarantine keys, still needed to read what they sealed */
      previous_quarantine_key_files: z.array(z.string()).default([]),
    })
    .prefault({}),
  digest: z
    .strictObject({
      /** local time HH:MM the daily digest is sent */
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM on the 24-hour clock, e.g. 07:00").default('07:00'),
      enabled: z.boolean().default(true),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ListenerConfig = z.infer<typeof listener>;
export type UpstreamConfig = z.infer<typeof upstream>;
