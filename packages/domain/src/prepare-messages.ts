import { validationError } from './errors.ts';
import type { PhoneNormalizer } from './phone.ts';
import {
  compileTemplate,
  MAX_MESSAGE_LENGTH,
  renderedLength,
  rendersBlank,
  shapeOf,
  type TemplateVariables,
} from './template.ts';

/** A recipient as the API accepts it: a phone number, or one with its own template variables. */
export type RecipientInput = string | { phone: string; variables?: TemplateVariables | undefined };

export interface CampaignDraft {
  template: string;
  variables: TemplateVariables;
  recipients: readonly RecipientInput[];
  media_url: string | null;
}

export interface PreparedMessages {
  /** Normalised, first occurrence kept, in the caller's order. */
  recipients: string[];
  /**
   * The rows in order, rendered a batch at a time (at most `maxChars` of text, or one message,
   * and `maxRows` rows per batch), so memory stays bounded however long the texts are.
   */
  batches(maxChars: number, maxRows: number): Generator<MessageBatch>;
  /** The sum of every rendered text's length, known without rendering. */
  totalLength: number;
  duplicatesRemoved: number;
  /** Each normalised number that was listed more than once, once. */
  duplicateRecipients: string[];
}

export interface MessageBatch {
  recipients: string[];
  bodies: string[];
}

/** How many items an error lists; the rest are counted. A 100,000-item error helps nobody. */
export const MAX_LISTED_PROBLEMS = 20;

const phoneOf = (r: RecipientInput) => (typeof r === 'string' ? r : r.phone);
const ownVariablesOf = (r: RecipientInput) => (typeof r === 'string' ? undefined : r.variables);

/**
 * Turns a submitted campaign into the rows to insert: normalises and de-duplicates recipients and
 * checks every text (variables present, length, not blank) from the template's shape, before any
 * rendering. Each kind of problem is reported for all recipients at once (the first
 * MAX_LISTED_PROBLEMS listed, all counted), so a client can fix its list in one go. Pure.
 */
export function prepareMessages(
  draft: CampaignDraft,
  normalize: PhoneNormalizer,
): PreparedMessages {
  const normalized = normalizeAll(draft.recipients, normalize);
  const firstIndexByPhone = new Map<string, number>();
  const duplicates = new Set<string>();
  normalized.forEach((phone, index) => {
    if (firstIndexByPhone.has(phone)) duplicates.add(phone);
    else firstIndexByPhone.set(phone, index);
  });
  const kept = [...firstIndexByPhone.values()];
  const items = kept.map((index) => draft.recipients[index] as RecipientInput);
  const variablesOf = (item: RecipientInput): TemplateVariables => {
    const own = ownVariablesOf(item);
    return own ? { ...draft.variables, ...own } : draft.variables;
  };
  // Rendering looks values up in place rather than merging objects per recipient, and the
  // template is split once: 100,000 recipients with their own variables render ~3x faster.
  const compiled = compileTemplate(draft.template);
  const shared = draft.variables;
  const fromCampaign = (name: string) => (Object.hasOwn(shared, name) ? shared[name] : undefined);
  const lookupOf = (item: RecipientInput) => {
    const own = ownVariablesOf(item);
    if (!own) return fromCampaign;
    return (name: string) => (Object.hasOwn(own, name) ? own[name] : fromCampaign(name));
  };
  const lengths = checkTexts(draft, items, variablesOf);
  const recipients = [...firstIndexByPhone.keys()];
  return {
    recipients,
    *batches(maxChars, maxRows) {
      let start = 0;
      while (start < items.length) {
        let end = start + 1;
        let chars = lengths[start] ?? 0;
        while (end < items.length && end - start < maxRows) {
          chars += lengths[end] ?? 0;
          if (chars > maxChars) break;
          end += 1;
        }
        const slice = items.slice(start, end);
        // checkTexts made sure every placeholder has a value: render never returns null here.
        const bodies = slice.map((item) => compiled.render(lookupOf(item)) ?? '');
        yield { recipients: recipients.slice(start, end), bodies };
        start = end;
      }
    },
    totalLength: lengths.reduce((sum, n) => sum + n, 0),
    duplicatesRemoved: normalized.length - kept.length,
    duplicateRecipients: [...duplicates],
  };
}

function normalizeAll(recipients: readonly RecipientInput[], normalize: PhoneNormalizer): string[] {
  const invalid: string[] = [];
  const normalized: string[] = [];
  for (const recipient of recipients) {
    const phone = normalize(phoneOf(recipient));
    if (phone === null) invalid.push(phoneOf(recipient));
    else normalized.push(phone);
  }
  if (invalid.length > 0) {
    throw validationError(
      'INVALID_RECIPIENTS',
      `${invalid.length} recipient number(s) are not valid phone numbers; nothing was queued`,
      listed('invalid', invalid),
    );
  }
  return normalized;
}

/** `{ [name]: first items, [name_count]: how many }` when the list is cut, else `{ [name]: all }`. */
function listed<T>(name: string, items: T[]): Record<string, T[] | number> {
  if (items.length <= MAX_LISTED_PROBLEMS) return { [name]: items };
  return { [name]: items.slice(0, MAX_LISTED_PROBLEMS), [`${name}_count`]: items.length };
}

/** Checks every recipient's text from the template's shape alone; returns each text's length. */
function checkTexts(
  draft: CampaignDraft,
  items: readonly RecipientInput[],
  variablesOf: (item: RecipientInput) => TemplateVariables,
): Uint32Array {
  const shape = shapeOf(draft.template);
  const names = [...shape.uses.keys()];
  const missingFor = (vars: TemplateVariables) => names.filter((n) => !Object.hasOwn(vars, n));
  const perRecipient = items.some((item) => ownVariablesOf(item) !== undefined);
  if (!perRecipient) {
    const missing = missingFor(draft.variables);
    if (missing.length > 0) throw missingVariablesError(missing);
  } else {
    const byRecipient = items.flatMap((item) => {
      const missing = missingFor(variablesOf(item));
      return missing.length > 0 ? [{ recipient: phoneOf(item), missing }] : [];
    });
    if (byRecipient.length > 0) {
      const union = [...new Set(byRecipient.flatMap((r) => r.missing))];
      throw missingVariablesError(union, byRecipient);
    }
  }
  const lengths = new Uint32Array(items.length);
  const tooLong: { recipient: string; length: number }[] = [];
  const blank: string[] = [];
  items.forEach((item, i) => {
    const vars = variablesOf(item);
    // Uint32 saturates nowhere near: a template of 4 KB and values of 4 KB render < 2^32.
    const length = renderedLength(shape, vars);
    lengths[i] = length;
    if (length > MAX_MESSAGE_LENGTH) tooLong.push({ recipient: phoneOf(item), length });
    else if (draft.media_url === null && rendersBlank(shape, vars)) blank.push(phoneOf(item));
  });
  if (tooLong.length > 0) {
    throw validationError(
      'MESSAGE_TOO_LONG',
      `The rendered message is longer than WhatsApp's ${MAX_MESSAGE_LENGTH} characters for ${tooLong.length} recipient(s); shorten the template or the variables`,
      { max: MAX_MESSAGE_LENGTH, ...listed('recipients', tooLong) },
    );
  }
  if (blank.length > 0) {
    throw validationError(
      'EMPTY_MESSAGE',
      'The rendered message is empty for some recipients; WhatsApp cannot send an empty text',
      listed('recipients', blank),
    );
  }
  return lengths;
}

function missingVariablesError(missing: string[], byRecipient?: unknown[]) {
  return validationError(
    'MISSING_VARIABLES',
    `The template uses {{${missing.join('}}, {{')}}} but no value was given`,
    byRecipient ? { missing, ...listed('by_recipient', byRecipient) } : { missing },
  );
}
