// The breach draft's content, in Danish (Datatilsynet's form is Danish) with short English
// glosses, ordered by GDPR art. 33(3) a–d. Pure: facts in, blocks out. Every judgement a
// person must make is a marked fill-in field; the draft never claims more than the data shows.
import { FILL, type Block, type BreachFacts, type Category } from './types.ts';
import { topEntries } from './facts.ts';
import { danishDay, danishMinute } from '../../time/danish.ts';

const n = (x: number): string => x.toLocaleString('da-DK');
const persons = (c: Category): string => (c.persons === null ? 'ukendt (ingen fingerprint-nøgle)' : n(c.persons));

export function breachDocument(f: BreachFacts): Block[] {
  return [...intro(f), ...controller(f), ...nature(f), ...recipients(f), ...consequences(f), ...measures(f), ...appendix(f)];
}

function intro(f: BreachFacts): Block[] {
  const sources = [f.input.decisions !== null ? 'Postvagts hændelseslog (gateway-beslutninger)' : null, ...f.input.audits.map((a) => `audit-output ${a.file} (${a.source})`)].filter(Boolean);
  return [
    { kind: 'h1', text: 'UDKAST – Anmeldelse af brud på persondatasikkerheden', gloss: 'DRAFT – personal data breach notification' },
    { kind: 'note', text: `Dette er et udkast, samlet automatisk af Postvagt. Det er ikke en anmeldelse. En person skal kontrollere tallene, udfylde felterne markeret ${FILL('…')} og indsende anmeldelsen via Datatilsynets formular. Anmeldelsen skal ske senest 72 timer efter, at bruddet er konstateret (GDPR art. 33, stk. 1).` },
    { kind: 'list', items: [
      `Periode undersøgt (period): ${f.input.from} – ${f.input.to}, hele døgn i dansk tid (whole days, Danish time, Europe/Copenhagen)`,
      `Udkast dannet (generated): ${danishMinute(f.input.generatedAt)} dansk tid (${f.input.generatedAt.toISOString().slice(0, 19)}Z)`,
      `Datakilder (sources): ${sources.length > 0 ? sources.join('; ') : 'ingen'}`,
    ] },
    ...(nothingFound(f)
      ? [{ kind: 'note', text: 'Ingen brud fundet i perioden i de angivne kilder: ingen mails sendt med CPR-nummer i klare felter og ingen mails tabt uden besked. Der er intet at anmelde ud fra disse data (no breach found in the period; nothing to notify from these sources).' } as Block]
      : []),
  ];
}

/** No mail left with a number in clear and none was lost: the draft must not read like a breach. */
function nothingFound(f: BreachFacts): boolean {
  return f.sentInClear.mails === 0 && f.lost.mails === 0;
}

/** a number in clear was seen (sent, received, or in a lost mail's subject) */
const inClear = (f: BreachFacts): boolean => f.sentInClear.mails + f.receivedInClear.mails + f.lost.withCprInSubject > 0;

/** the kinds of breach the data shows; with none, a plain sentence saying so (never an empty list) */
function breachTypes(f: BreachFacts): string {
  const kinds = [
    inClear(f) ? 'fortrolighed – CPR-numre sendt i klar tekst i mailheadere (emnefelt m.fl.), som ikke er krypteret ved "sikker mail" og kan læses på alle servere undervejs (confidentiality)' : null,
    f.lost.mails > 0 ? 'tilgængelighed – mails tabt uden at afsender eller modtager fik besked (availability)' : null,
  ].filter(Boolean);
  return kinds.length > 0
    ? `Type af brud (type): ${kinds.join('; ')}.`
    : 'Type af brud (type): intet brud fundet i perioden i de anvendte data – ingen CPR-numre i klar tekst i mailheadere og ingen mails tabt uden besked (no breach found in the period in the data used).';
}

function controller(f: BreachFacts): Block[] {
  return [
    { kind: 'h2', text: '1. Dataansvarlig og kontakt', gloss: 'Controller and contact – art. 33(3)(b)' },
    { kind: 'list', items: [
      `Myndighed/virksomhed (controller): ${FILL('navn og CVR-nr.')}`,
      `Databeskyttelsesrådgiver (DPO): ${FILL('navn, e-mail, telefon')}`,
      `Kontaktperson for yderligere oplysninger: ${FILL(f.input.contactHint ? `fx ${f.input.contactHint}` : 'navn, e-mail, telefon')}`,
      `Tidspunkt hvor bruddet blev konstateret (discovered): ${FILL('dato og klokkeslæt')}`,
      f.first !== null && f.last !== null
        ? `Bruddets varighed (duration): første registrerede tilfælde ${danishDay(f.first)}, seneste ${danishDay(f.last)}`
        : 'Bruddets varighed (duration): ingen tilfælde registreret i perioden (no case in the period)',
    ] },
  ];
}

function countsTable(f: BreachFacts): Block {
  const rows: string[][] = [];
  if (f.input.decisions !== null) {
    rows.push(['Sendt med CPR-nummer i klar tekst i mailheadere (sent in clear)', n(f.sentInClear.mails), persons(f.sentInClear)]);
    rows.push(['Modtaget udefra med CPR-nummer i klar tekst (received in clear)', n(f.receivedInClear.mails), persons(f.receivedInClear)]);
    rows.push(['Stoppet af Postvagt før afsendelse – ikke et brud (stopped, no breach)', n(f.stopped.mails), persons(f.stopped)]);
  }
  if (f.input.audits.length > 0) {
    // logs hold masked subjects only: persons behind lost mails are unknown (but none when none was lost)
    const who = (mails: number) => (mails === 0 ? '0' : 'ukendt – kræver gennemgang');
    rows.push(['Mails tabt uden besked til afsender (lost without notice), fra logfiler', n(f.lost.mails), who(f.lost.mails)]);
    rows.push(['  heraf med et (maskeret) CPR-nummer i emnefeltet', n(f.lost.withCprInSubject), who(f.lost.withCprInSubject)]);
  }
  return { kind: 'table', head: ['Kategori', 'Antal mails', 'Antal personer (distinkte CPR-fingerprints)'], rows };
}

function nature(f: BreachFacts): Block[] {
  const out: Block[] = [
    { kind: 'h2', text: '2. Bruddets karakter', gloss: 'Nature of the breach – art. 33(3)(a)' },
    { kind: 'p', text: breachTypes(f) },
    { kind: 'p', text: `Kategorier af personoplysninger (data categories): CPR-numre (databeskyttelseslovens § 11) samt de oplysninger, emnefeltet i øvrigt røber om sagen. ${FILL('fx helbred, sociale forhold – art. 9-oplysninger?')}` },
    { kind: 'p', text: `Kategorier af registrerede (data subjects): ${FILL('fx borgere, ansatte, pårørende')}` },
    countsTable(f),
  ];
  if (f.input.decisionsTruncated) out.push({ kind: 'note', text: 'Hændelsesloggen returnerede det maksimale antal rækker for én forespørgsel; tallene ovenfor er et minimum. Del perioden op og kør rapporten igen.' });
  if (f.lost.mails > 0) out.push({ kind: 'p', text: 'Antal berørte personer for tabte mails kan ikke udledes af logfilerne (de indeholder kun maskerede emnefelter). De berørte sager skal findes ved gennemgang, fx med `postvagt scan mailbox` på afsendernes Sendt post.' });
  return out;
}

function recipients(f: BreachFacts): Block[] {
  const all = new Map<string, [number, number]>();
  for (const [d, c] of f.sentInClear.domains) all.set(d, [c, 0]);
  for (const [d, c] of f.lost.domains) all.set(d, [all.get(d)?.[0] ?? 0, c]);
  const rows = [...all.entries()].sort((a, b) => b[1][0] + b[1][1] - (a[1][0] + a[1][1]) || a[0].localeCompare(b[0])).slice(0, 30)
    .map(([d, [sent, lost]]) => [d, n(sent), n(lost)]);
  return [
    { kind: 'h2', text: '3. Modtagere', gloss: 'Recipient organisations' },
    rows.length > 0
      ? { kind: 'table', head: ['Modtagerdomæne', 'Sendt med CPR i klar tekst', 'Tabt uden besked'], rows }
      : { kind: 'p', text: 'Ingen modtagere i de anvendte data.' },
    ...(all.size > 30 ? [{ kind: 'p' as const, text: `… og ${n(all.size - 30)} domæner mere.` }] : []),
  ];
}

function consequences(f: BreachFacts): Block[] {
  const head: Block = { kind: 'h2', text: '4. Sandsynlige konsekvenser', gloss: 'Likely consequences – art. 33(3)(c)' };
  if (!inClear(f) && f.lost.mails === 0) {
    return [head, { kind: 'p', text: 'Ingen: der er ikke fundet noget brud i perioden i de anvendte data (none: no breach found in the period).' }];
  }
  const items: string[] = [];
  if (inClear(f)) items.push('CPR-numre i klar tekst kan læses af uvedkommende på mailservere og i logfiler undervejs og hos modtageren; risiko for identitetsmisbrug.');
  if (f.lost.mails > 0) items.push('Tabte mails: borgere eller samarbejdspartnere har ikke modtaget henvendelser, afgørelser eller svar; frister kan være overskredet, og sagsbehandlingen kan være sket på et ufuldstændigt grundlag. Afsenderen troede, at mailen var sendt.');
  if (f.lost.withCprInSubject > 0) items.push('Mails med CPR-nummer i emnefeltet blev kasseret af et filter uden besked – den samme fejl, som gjorde tabet usynligt.');
  items.push(`Vurdering af risikoen for de registrerede (risk assessment): ${FILL('lav / risiko / høj risiko, med begrundelse')}`);
  return [head, { kind: 'list', items }];
}

function measures(f: BreachFacts): Block[] {
  const taken: string[] = [];
  if (f.input.decisions !== null) taken.push(`Postvagt stoppede ${n(f.stopped.mails)} mails med CPR-nummer i klar tekst før afsendelse; afsenderne fik besked om, hvordan de sender igen.`);
  if (f.input.audits.length > 0) {
    taken.push(f.lost.mails > 0
      ? `Mail-logfilerne er gennemgået med \`postvagt audit\`; ${n(f.lost.mails)} tabte mails er identificeret.`
      : 'Mail-logfilerne er gennemgået med `postvagt audit`; der er ikke fundet mails tabt uden besked i perioden.');
  }
  return [
    { kind: 'h2', text: '5. Foranstaltninger', gloss: 'Measures taken and proposed – art. 33(3)(d)' },
    { kind: 'p', text: 'Truffet (taken):' },
    { kind: 'list', items: [...taken, FILL('fx filterregel rettet, berørte mails gensendt, medarbejdere instrueret')] },
    { kind: 'p', text: 'Planlagt (proposed):' },
    { kind: 'list', items: [FILL('fx gennemgang af konfiguration med `postvagt audit config`, kontrol af at ingen regel kasserer mail uden besked'), `Underretning af de registrerede (art. 34): ${FILL('ja/nej, og hvorfor')}`] },
  ];
}

function appendix(f: BreachFacts): Block[] {
  const months = [...f.byMonth.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const perMonth: Block[] = months.length > 1
    ? [{ kind: 'h2', text: 'Bilag: Fordeling pr. måned', gloss: 'Appendix: by month' },
      { kind: 'table', head: ['Måned', 'Sendt med CPR i klar tekst', 'Tabt uden besked'], rows: months.map(([m, [s, l]]) => [m, n(s), n(l)]) }]
    : [];
  if (f.lost.mails === 0) return perMonth;
  return [
    ...perMonth,
    { kind: 'h2', text: 'Bilag: Årsager til tabte mails', gloss: 'Appendix: causes of lost mail' },
    { kind: 'table', head: ['Årsag (fra loggen)', 'Antal'], rows: topEntries(f.lost.reasons, 15).map(([r, c]) => [r, n(c)]) },
    { kind: 'p', text: `Fordelt på kilde (by source): ${topEntries(f.lost.bySource, 5).map(([s, c]) => `${s} ${n(c)}`).join(', ')}.` },
  ];
}
