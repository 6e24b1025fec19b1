import { validationError } from './errors.ts';
import type { PhoneNormalizer } from './phone.ts';
import { compileTemplate, type TemplateVariables } from './template.ts';

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

/** How many recipients a MISSING_VARIABLES error names (the first ones, in the caller's order). */
export const MISSING_VARIABLES_REPORTED = 20;

function renderAll(draft: CampaignDraft, items: readonly RecipientInput[]): string[] {
  const template = compileTemplate(draft.template);
  const shared = draft.variables;
  const fromCampaign = (name: string) => (Object.hasOwn(shared, name) ? shared[name] : undefined);
  const perRecipient = items.some((item) => ownVariablesOf(item) !== undefined);
  if (!perRecipient) {
    const missing = template.names.filter((name) => fromCampaign(name) === undefined);
    if (missing.length > 0) throw missingVariablesError(missing);
    // One text for everyone: render once, share the string.
    return new Array<string>(items.length).fill(template.render(fromCampaign) as string);
  }
  const byRecipient: { recipient: string; missing: string[] }[] = [];
  let concerned = 0;
  const bodies = items.map((item) => {
    const own = ownVariablesOf(item);
    const lookup = own
      ? (name: string) => (Object.hasOwn(own, name) ? own[name] : fromCampaign(name))
      : fromCampaign;
    const body = template.render(lookup);
    if (body !== null) return body;
    // The slow path runs only for recipients with a gap, and lists only the first few.
    concerned += 1;
    if (byRecipient.length < MISSING_VARIABLES_REPORTED) {
      const missing = template.names.filter((name) => lookup(name) === undefined);
      byRecipient.push({ recipient: phoneOf(item), missing });
    }
    return '';
  });
  if (concerned > 0) {
    const union = [...new Set(byRecipient.flatMap((r) => r.missing))];
    throw missingVariablesError(union, {
      by_recipient: byRecipient,
      recipients_concerned: concerned,
    });
  }
  return bodies;
}

function missingVariablesError(missing: string[], perRecipient?: Record<string, unknown>) {
  const whom = perRecipient
    ? ` for ${perRecipient.recipients_concerned} recipient(s); the first ones are listed`
    : '';
  return validationError(
    'MISSING_VARIABLES',
    `The template uses {{${missing.join('}}, {{')}}} but no value was given${whom}`,
    { missing, ...perRecipient },
  );
}
