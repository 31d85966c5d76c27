// The one registry of stable error codes (STYLE 9). Scripts and tests match on `code`;
// the CLI maps them to exit codes (DESIGN: 2 = bad usage or unreadable input).
// No I/O here.

export const ErrorCodes = {
  PV_USAGE: 'bad command-line usage',
  PV_INPUT_UNREADABLE: 'an input file or folder cannot be read',
  PV_INPUT_FORMAT: 'an input is not in the expected format',
  PV_CONFIG_UNREADABLE: 'the configuration file cannot be read',
  PV_CONFIG_SYNTAX: 'the configuration file is not valid YAML',
  PV_CONFIG_UNKNOWN_KEY: 'the configuration has a key Postvagt does not know',
  PV_CONFIG_INVALID: 'a configuration value is invalid',
  PV_CONFIG_SECRET_MISSING: 'a secret is required in production mode but not given',
  PV_STORE_UNAVAILABLE: 'the store cannot be reached',
  PV_UPSTREAM_FAILED: 'the upstream MTA did not accept the mail',
  PV_LISTEN_FAILED: 'a listener (SMTP or dashboard) cannot bind its address',
  PV_INTERNAL: 'an internal fault (a bug); the transaction was failed closed',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** An expected, explainable failure. Exceptions of other classes are bugs. */
export class PvError extends Error {
  readonly code: ErrorCode;
  /** file and 1-based line, when the problem is in a file */
  readonly file?: string;
  readonly line?: number;
  constructor(code: ErrorCode, message: string, where?: { file?: string; line?: number; cause?: unknown }) {
    super(message, where?.cause !== undefined ? { cause: where.cause } : undefined);
    this.name = 'PvError';
    this.code = code;
    this.file = where?.file;
    this.line = where?.line;
  }
}

/** Exit code for the CLI: usage, input and config problems are 2; the rest 1. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof PvError) {
    return err.code.startsWith('PV_USAGE') || err.code.startsWith('PV_INPUT') || err.code.startsWith('PV_CONFIG')
      ? 2
      : 1;
  }
  return 1;
}

/** One line for a person: "postvagt: FILE:LINE: message" */
export function describeError(err: unknown): string {
  if (err instanceof PvError) {
    const where = err.file ? `${err.file}${err.line ? `:${err.line}` : ''}: ` : '';
    return `${where}${err.message} [${err.code}]`;
  }
  return err instanceof Error ? `${err.message}` : String(err);
}
