// Help texts of `postvagt scan` and its subcommands: they teach by example. No I/O.
// Protects the CLI contract in DESIGN.md (what each command prints and its exit codes).

const COMMON = `Exit codes: 0 done (findings are not errors); 1 findings and --fail-on-find given;
2 bad usage or an input that cannot be read (named on stderr; the other inputs are still scanned).
Numbers are shown masked (XXXXXX-XXXX) unless --reveal is given; do not keep revealed output.
`;

export const HELP = `postvagt scan — find CPR numbers in text, mail messages and mailbox exports

Usage:
  postvagt scan text    [--reveal] [--fail-on-find]               < lines
  postvagt scan message [FILE…|-] [--reveal] [--fail-on-find] [--headers LIST]
  postvagt scan mailbox PATH… [--format json|text|csv] [--reveal] [--fail-on-find] [--headers LIST]

Run 'postvagt scan <subcommand> --help' for details and examples.
${COMMON}`;

export const SCAN_HELP: Record<string, string> = {
  text: `postvagt scan text — one JSON line per line of standard input

  {"line":N,"findings":[{"start":S,"end":E,"masked":"XXXXXX-XXXX","kind":"cpr"|"replacement","mod11":true|false}]}
  start/end are UTF-16 offsets into the line; with --reveal each finding also has "cpr":"DDMMYYSSSS".

Options:
  --reveal        include the ten digits ("cpr") in each finding
  --fail-on-find  exit 1 when any line holds a CPR number

Examples:
  echo 'Sag vedr. 140432-2464' | postvagt scan text
  postvagt scan text --fail-on-find < subjects.txt > /dev/null && echo "no CPR numbers"
  postvagt scan text < subjects.txt | grep -v '"findings":\\[\\]' | head

${COMMON}`,
  message: `postvagt scan message — CPR numbers in the clear headers of RFC 5322 messages

Reads only the header block of each FILE (or standard input for '-' or no FILE): headers are
unfolded and RFC 2047-decoded, then Subject, Thread-Topic, From, To, Cc, Bcc, Reply-To,
Sender, Comments, Keywords and X- headers are scanned. One JSON line per message:
  {"file":"msg.eml","findings":[{"header":"Subject","start":S,"end":E,"masked":"XXXXXX-XXXX","kind":"cpr","mod11":false}]}

Options:
  --reveal          include the ten digits ("cpr") in each finding
  --fail-on-find    exit 1 when any message carries a CPR number in a scanned header
  --headers LIST    scan these headers instead, comma-separated; X-* means every X- header

Examples:
  postvagt scan message sent/*.eml
  postvagt scan message --headers Subject,X-* < message.eml
  postvagt scan message --fail-on-find outgoing.eml || echo "do not send: CPR in a clear header"

${COMMON}`,
  mailbox: `postvagt scan mailbox — which messages of a mailbox export carry CPR numbers in clear headers

PATH is an mbox file (messages start at 'From ' lines), a Maildir (cur/ and new/, and
Maildir++ .Sub folders) or a folder with .eml files (searched recursively). Messages are read
one at a time, header blocks only, so exports of any size work. Output has only the messages
with findings; a summary (messages read, messages with findings, by header) goes to stderr,
and a progress line too when stderr is a terminal.

Options:
  --format json   one JSON line per message with findings (as 'scan message'; an mbox
                  message is named PATH#N, N counting from 1) — the default
  --format text   one line per finding: FILE: HEADER: XXXXXX-XXXX (cpr), then which mail
                  it is (date, sender -> recipients, subject; numbers masked)
  --format csv    file,header,start,end,masked,kind,mod11[,cpr],date,from,to,subject (RFC 4180,
                  one row per finding, for a spreadsheet; which mail it is, numbers masked)
  --reveal        include the ten digits
  --fail-on-find  exit 1 when any message carries a CPR number
  --headers LIST  scan these headers instead, comma-separated; X-* means every X- header

Examples:
  postvagt scan mailbox ~/Maildir --format text
  postvagt scan mailbox export.mbox --format csv > findings.csv
  postvagt scan mailbox /srv/mail/kommune/sent --format json | wc -l

${COMMON}`,
};
