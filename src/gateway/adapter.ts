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

/** the signal handed to bodies that do not ask for one (`abortable: false`); it never fires */
const NEVER = new AbortController().signal;

/**
 * Run `body` for one hook and answer smtp-server's callback exactly once.
 * body resolves to a success reply (or void for smtp-server's default) or throws a Refusal.
 * On deadline the AbortSignal fires so the body can stop (e.g. drop the upstream before its final dot).
 * Hooks whose body never looks at the signal pass `abortable: false`: an AbortController costs more
 * than the rest of a MAIL hook, and three hooks run per message. The deadline holds either way.
 */
export function runHook(
  hook: string,
  deadlineMs: number,
  fault: FaultSink,
  callback: HookCallback,
  body: (signal: AbortSignal) => Promise<SmtpReply | void>,
  cleanup?: () => void,
  abortable = true,
): void {
  let answered = false;
  let failing = false;
  const answer = (err: Error | null, message?: string) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    if (err) cleanup?.();
    callback(err, message);
  };
  const failClosed = (err: unknown) => {
    if (answered || failing) return;
    failing = true;
    controller?.abort(err);
    fault(err, hook).then(
      (reply) => answer(smtpError(reply)),
      // the sink must not throw; if it still does, the client gets a 451 without an id rather than nothing
      () => answer(Object.assign(new Error('4.3.0 Temporary failure in Postvagt, try again later'), { responseCode: 451 })),
    );
  };
  const controller = abortable ? new AbortController() : null;
  const timer = setTimeout(() => failClosed(new DeadlineExceeded(hook, deadlineMs)), deadlineMs);
  timer.unref();
  let result: Promise<SmtpReply | void>;
  try {
    result = body(controller ? controller.signal : NEVER);
  } catch (err) {
    result = Promise.reject(err);
  }
  result.then(
    (reply) => {
      if (failing) return;
      if (reply && reply.code >= 400) answer(smtpError(reply));
      else answer(null, reply ? replyMessage(reply) : undefined);
    },
    (err: unknown) => {
      if (failing) return;
      if (err instanceof Refusal) answer(smtpError(err.reply));
      else failClosed(err);
    },
  );
}
