// The `postvagt` command: dispatches to one module per command group under src/cli/.
// I/O: the process's streams; each group module does its own file/network work.
// Contract: ../shared/DESIGN.md "Command-line contract" (exit 0 ok, 1 findings with --fail-on-find, 2 usage/input).
import { describeError, exitCodeFor } from './errors.ts';
import { processIO, type CliIO, type Command } from './cli/io.ts';

const HELP = `postvagt — mail guard for CPR numbers in clear mail headers

Usage: postvagt <command> [options]

Commands:
  serve                  run the SMTP gateway and the dashboard
  scan text|message|mailbox
                         find CPR numbers in text, messages or mailbox exports
  audit postfix|exchange|config
                         find mail that was lost without notice, and rules that lose it
  digest                 build (and with --send, mail) the daily digest
  report breach          draft a breach report for the data protection authority
  user add NAME          create a dashboard user
  quarantine list|release|delete  held mail: list it, deliver it, or delete it

Run 'postvagt <command> --help' for the options of one command.
Exit codes: 0 ok; 1 findings (with --fail-on-find) or a fault; 2 bad usage or unreadable input.
`;

// Lazy imports: `postvagt scan` must not load the SMTP stack, and a broken module in one
// group must not stop the others from running.
const groups: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./cli/serve.ts')).serve,
  scan: async () => (await import('./cli/scan.ts')).scan,
  audit: async () => (await import('./cli/audit.ts')).audit,
  digest: async () => (await import('./cli/digest.ts')).digest,
  report: async () => (await import('./cli/report.ts')).report,
  user: async () => (await import('./cli/user.ts')).user,
  quarantine: async () => (await import('./cli/quarantine.ts')).quarantine,
};

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [group, ...rest] = argv;
  if (group === undefined || group === '--help' || group === '-h' || group === 'help') {
    io.stdout.write(HELP);
    return group === undefined ? 2 : 0;
  }
  if (group === '--version') {
    io.stdout.write('postvagt 0.1.0\n');
    return 0;
  }
  const load = groups[group];
  if (!load) {
    io.stderr.write(`postvagt: unknown command '${group}'\n\n${HELP}`);
    return 2;
  }
  try {
    const command = await load();
    return await command(rest, io);
  } catch (err) {
    io.stderr.write(`postvagt ${group}: ${describeError(err)}\n`);
    return exitCodeFor(err);
  }
}
