import { validationError } from './errors.ts';
import type { PhoneNormalizer } from './phone.ts';
import { placeholdersOf, renderTemplate, type TemplateVariables } from './template.ts';

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
  /** The rendered text for each entry of `recipients`. */
  bodies: string[];
  duplicatesRemoved: number;
  /** Each normalised number that was listed more than once, once. */
  duplicateRecipients: string[];
}

const phoneOf = (r: RecipientInput) => (typeof r === 'string' ? r : r.phone);
const ownVariablesOf = (r: RecipientInput) => (typeof r === 'string' ? undefined : r.variables);

/**
 * Turns a submitted campaign into the rows to insert: normalises and de-duplicates recipients and
 * renders each one's text. Every problem of one kind is reported at once (all invalid numbers, all
 * missing names), so a client can fix its list in one go. Pure: nothing is read or written.
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
  const bodies = renderAll(draft, items);
  const empty = bodies.flatMap((body, i) =>
    body.trim() === '' ? [phoneOf(items[i] as RecipientInput)] : [],
  );
  if (draft.media_url === null && empty.length > 0) {
    throw validationError(
      'EMPTY_MESSAGE',
      'The rendered message is empty for some recipients; WhatsApp cannot send an empty text',
      { recipients: empty },
    );
  }
  return {
    recipients: [...firstIndexByPhone.keys()],
    bodies,
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
      { invalid },
    );
  }
  return normalized;
}

function renderAll(draft: CampaignDraft, items: readonly RecipientInput[]): string[] {
  const names = placeholdersOf(draft.template);
  const perRecipient = items.some((item) => ownVariablesOf(item) !== undefined);
  if (!perRecipient) {
    const missing = names.filter((name) => !Object.hasOwn(draft.variables, name));
    if (missing.length > 0) throw missingVariablesError(missing);
    // One text for everyone: render once, share the string.
    return new Array<string>(items.length).fill(renderTemplate(draft.template, draft.variables));
  }
  const byRecipient: { recipient: string; missing: string[] }[] = [];
  const bodies = items.map((item) => {
    const own = ownVariablesOf(item) ?? {};
    const missing = names.filter(
      (n) => !Object.hasOwn(own, n) && !Object.hasOwn(draft.variables, n),
    );
    if (missing.length > 0) byRecipient.push({ recipient: phoneOf(item), missing });
    return missing.length > 0 ? '' : renderTemplate(draft.template, { ...draft.variables, ...own });
  });
  if (byRecipient.length > 0) {
    const union = [...new Set(byRecipient.flatMap((r) => r.missing))];
    throw missingVariablesError(union, byRecipient);
  }
  return bodies;
}

function missingVariablesError(missing: string[], byRecipient?: unknown[]) {
  return validationError(
    'MISSING_VARIABLES',
    `The template uses {{${missing.join('}}, {{')}}} but no value was given`,
    byRecipient ? { missing, by_recipient: byRecipient } : { missing },
  );
}
