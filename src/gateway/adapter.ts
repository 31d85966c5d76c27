// The one adapter from smtp-server's callback hooks to async functions (STYLE 5): a double-call
// guard, a deadline, and a catch-all that fails closed to 451 4.3.0 with a systemic incident.
// No I/O of its own (the fault sink records). Protects invariant 5: no hook can hang or fail open.
import type { SmtpReply } from '../policy/types.ts';
import { replyMessage } from '../notify/replies.ts';

/** An expected refusal: the hook answers with exactly this reply. Anything else thrown is a fault. */
export class Refusal extends Error {
  readonly reply: SmtpReply;
  constructor(reply: SmtpReply) {
    super(`${reply.code} ${reply.enhanced} ${reply.text}`);
    this.name = 'Refusal';
    this.reply = reply;
  }
}

/** records a systemic incident for a fault and returns the 451 reply quoting its id; must not throw */
export type FaultSink = (err: unknown, hook: string) => Promise<SmtpReply>;

export type HookCallback = (err?: Error | null, message?: string) => void;

/** what a hook body may look at to stop early: set once its deadline has passed (or it failed closed) */
export interface HookSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
}

/** a body answers with a reply (void: smtp-server's default) or throws a Refusal; synchronously or not */
export type HookBody = (signal: HookSignal) => SmtpReply | void | Promise<SmtpReply | void>;

/** smtp-server writes `responseCode` and then our message; we write the enhanced code ourselves (STYLE 4) */
export function smtpError(reply: SmtpReply): Error {
  return Object.assign(new Error(replyMessage(reply)), { responseCode: reply.code });
}

export class DeadlineExceeded extends Error {
  constructor(hook: string, ms: number) {
    super(`${hook} did not finish within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * One hook call: answers the callback exactly once, and is the body's abort signal. A class, not
 * closures: three hooks run per message, and under tsx every named closure also costs a
 * defineProperty (esbuild keepNames); an AbortController cost more than the rest of a MAIL hook.
 */
class HookRun implements HookSignal {
  aborted = false;
  reason: unknown = undefined;
  private answered = false;
  private failing = false;
  timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly hook: string,
    private readonly fault: FaultSink,
    private readonly callback: HookCallback,
    private readonly cleanup: (() => void) | undefined,
  ) {}

  answer(err: Error | null, message?: string): void {
    if (this.answered) return;
    this.answered = true;
    if (this.timer) clearTimeout(this.timer);
    if (err) this.cleanup?.();
    this.callback(err, message);
  }

  failClosed(err: unknown): void {
    if (this.answered || this.failing) return;
    this.failing = true;
    this.aborted = true;
    this.reason = err;
    this.fault(err, this.hook).then(
      (reply) => this.answer(smtpError(reply)),
      // the sink must not throw; if it still does, the client gets a 451 without an id rather than nothing
      () => this.answer(Object.assign(new Error('4.3.0 Temporary failure in Postvagt, try again later'), { responseCode: 451 })),
    );
  }

  resolved(reply: SmtpReply | void): void {
    if (this.failing) return;
    if (reply && reply.code >= 400) this.answer(smtpError(reply));
    else this.answer(null, reply ? replyMessage(reply) : undefined);
  }

  rejected(err: unknown): void {
    if (this.failing) return;
    if (err instanceof Refusal) this.answer(smtpError(err.reply));
    else this.failClosed(err);
  }
}

function deadlinePassed(run: HookRun, hook: string, ms: number): void {
  run.failClosed(new DeadlineExceeded(hook, ms));
}

function isPromise(v: unknown): v is Promise<SmtpReply | void> {
  return typeof (v as Promise<unknown> | undefined)?.then === 'function';
}

/**
 * Run `body` for one hook and answer smtp-server's callback exactly once.
 * body returns a success reply (or void for smtp-server's default) or throws a Refusal; a body that
 * finishes synchronously is answered at once (it cannot hang, so it needs no deadline timer).
 * On deadline the signal is set so the body can stop (e.g. drop the upstream before its final dot).
 */
export function runHook(
  hook: string,
  deadlineMs: number,
  fault: FaultSink,
  callback: HookCallback,
  body: HookBody,
  cleanup?: () => void,
): void {
  const run = new HookRun(hook, fault, callback, cleanup);
  let result: SmtpReply | void | Promise<SmtpReply | void>;
  try {
    result = body(run);
  } catch (err) {
    return run.rejected(err);
  }
  if (!isPromise(result)) return run.resolved(result);
  run.timer = setTimeout(deadlinePassed, deadlineMs, run, hook, deadlineMs);
  run.timer.unref();
  result.then(
    (reply) => run.resolved(reply),
    (err: unknown) => run.rejected(err),
  );
}
