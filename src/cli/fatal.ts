// What `serve` does with an error nothing caught: log it through the masking logger and exit 70.
// I/O: the logger's stream and process exit. Protects invariant 2 (Node's default prints the raw
// error, and an error message can quote a header) and invariant 1: exiting drops the open SMTP
// sessions unanswered, so their clients retry; nothing a 250 was given for is held only in memory.
import type { Logger } from '../log.ts';

/** sysexits.h EX_SOFTWARE: an internal error, so a supervisor (systemd Restart=on-failure) restarts us */
export const FATAL_EXIT = 70;

/** handlers for 'uncaughtException' and 'unhandledRejection'; `exit` is process.exit outside tests */
export function fatalHandler(logger: Logger, exit: (code: number) => void): (err: unknown) => void {
  let done = false;
  return (err: unknown) => {
    // a second fault while stopping must not log twice or re-enter exit
    if (done) return;
    done = true;
    logger.fatal({ event: 'process.fatal', err: err instanceof Error ? err : new Error(String(err)) }, 'unexpected internal error; stopping so that open sessions are retried by their clients');
    exit(FATAL_EXIT);
  };
}

/** install for the life of `serve`; returns the uninstaller */
export function installFatalHandler(logger: Logger): () => void {
  const onFatal = fatalHandler(logger, (code) => process.exit(code));
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  return () => {
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  };
}
