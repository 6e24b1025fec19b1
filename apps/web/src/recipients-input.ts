/**
 * Reads the recipients a sender pastes or uploads. Pasted: one number per line (or separated by
 * commas or semicolons). CSV: a header row whose phone column is `phone` (or `phone_number`,
 * `number`, `recipient`); every other column becomes a per-recipient variable of that name.
 * Herald itself normalises and de-duplicates; the counts here let the sender fix a list first.
 */
export interface Recipient {
  phone: string;
  variables: Record<string, string>;
}

export interface ReadRecipients {
  recipients: Recipient[];
  /** Rows or entries whose number cannot be a phone number, in the sender's own words. */
  invalid: string[];
  duplicates: number;
  columns: string[];
}

const PHONE_COLUMNS = ['phone', 'phone_number', 'number', 'recipient'];
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** 6 to 15 digits once spaces, dashes, dots, brackets and a leading + are set aside (E.164). */
export const looksLikePhone = (text: string) =>
  /^\+?[\d\s().-]{6,24}$/.test(text) && digits(text).length >= 6 && digits(text).length <= 15;
const digits = (text: string) => text.replace(/\D/g, '');

export function readPasted(text: string): ReadRecipients {
  const entries = text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return collect(
    entries.map((phone, i) => ({ phone, variables: {}, where: `entry ${i + 1}` })),
    [],
  );
}

/** Parses CSV text (RFC 4180 quoting); throws an Error that says what is wrong with the header. */
export function readCsv(text: string): ReadRecipients {
  const rows = parseCsv(text).filter((r) => r.some((cell) => cell.trim() !== ''));
  const header = (rows.shift() ?? []).map((h) => h.trim());
  const phoneAt = header.findIndex((h) => PHONE_COLUMNS.includes(h.toLowerCase()));
  if (phoneAt < 0) {
    throw new Error(
      `The CSV needs a column named ${PHONE_COLUMNS.join(', ')} (its first row names the columns)`,
    );
  }
  const badName = header.find((h, i) => i !== phoneAt && !VARIABLE_NAME.test(h));
  if (badName !== undefined) {
    throw new Error(
      `Column "${badName}" cannot be a variable name: use letters, digits and _ (not first a digit)`,
    );
  }
  const columns = header.filter((_, i) => i !== phoneAt);
  const entries = rows.map((row, r) => ({
    phone: (row[phoneAt] ?? '').trim(),
    variables: Object.fromEntries(
      header.flatMap((name, i) => (i === phoneAt ? [] : [[name, (row[i] ?? '').trim()]])),
    ),
    where: `row ${r + 2}`,
  }));
  return collect(entries, columns);
}

function collect(entries: (Recipient & { where: string })[], columns: string[]): ReadRecipients {
  const seen = new Set<string>();
  const recipients: Recipient[] = [];
  const invalid: string[] = [];
  let duplicates = 0;
  for (const { where, ...entry } of entries) {
    if (!looksLikePhone(entry.phone)) {
      invalid.push(`${where}: "${entry.phone}" is not a phone number`);
      continue;
    }
    const key = digits(entry.phone);
    if (seen.has(key)) {
      duplicates += 1;
      continue;
    }
    seen.add(key);
    recipients.push(entry);
  }
  return { recipients, invalid, duplicates, columns };
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === ';') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}
