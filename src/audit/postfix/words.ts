// The words of Postfix's log lines that more than one part of the state machine looks for (the
// slow state machine, the fast lane, qmgr and delivery lines), defined once. Pure, no I/O. Protects
// the fast lane's promise: it recognises a line by exactly the bytes the slow code does.
import { Lit } from './bytes.ts';

export const W = {
  /** smtpd: the message exists (`QID: client=host[ip]`) */
  client: new Lit('client='),
  /** pickup: locally submitted (`QID: uid=0 from=<…>`) */
  uid: new Lit('uid='),
  /** cleanup: `QID: message-id=<…>` (the first line of mail Postfix makes itself) */
  msgid: new Lit('message-id='),
  /** qmgr/postsuper: the queue file is gone */
  removed: new Lit('removed'),
  from: new Lit('from=<'),
  to: new Lit('to=<'),
  nrcpt: new Lit('nrcpt='),
  /** qmgr: `from=<…>, status=expired, returned to sender` */
  expired: new Lit('status=expired'),
  /** a delivery agent's status field, and its one ordinary value */
  status: new Lit(', status='),
  sent: new Lit('sent'),
};
