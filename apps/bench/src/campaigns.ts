export const TEMPLATE = 'Hello {{name}}, your order {{order}} is ready for pickup at {{shop}}.';
export const VARIABLES = { name: 'customer', order: 'A-1042', shop: 'Sfax centre' };

/** The body of POST /api/send for one sender, serialised once so timing excludes it. */
export function campaignPayload(sender: string, recipients: readonly string[]): string {
  return JSON.stringify({
    sender_number: sender,
    template: TEMPLATE,
    variables: VARIABLES,
    recipients,
  });
}

/** `count` consecutive numbers from `first`: distinct, and valid Tunisian mobiles for the ranges used here. */
export function numberRange(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(first + i));
}
