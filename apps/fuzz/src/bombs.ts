import type { FuzzRequest, Operation, Secrets } from './requests.ts';

/**
 * The security review's requests that took memory or answered 500, sent once per run whatever
 * the seed: they are what "bounded memory" is measured against.
 */
export function bombs(operations: Operation[], secrets: Secrets): FuzzRequest[] {
  const send = operations.find((op) => op.method === 'POST' && op.path === '/api/send');
  if (!send) return [];
  const json = (mutation: string, text: string, headers: Record<string, string> = {}) => ({
    op: send,
    method: 'POST',
    path: '/api/send',
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(text),
    mutation,
  });
  const phones = Array.from({ length: 200 }, (_, i) => `2169${String(i).padStart(7, '0')}`);
  return [
    json(
      '4.5 M integers as recipients',
      `{"sender_number":"${secrets.sender}","template":"Hi","recipients":[${'1,'.repeat(4_499_999)}1]}`,
    ),
    json('3 M empty objects', `{"recipients":[${'{},'.repeat(2_999_999)}{}]}`),
    json(
      '819 x {{a}} of 4 KB for 200 recipients, connected sender',
      JSON.stringify({
        sender_number: secrets.sender,
        template: '{{a}}'.repeat(819),
        variables: { a: 'x'.repeat(4096) },
        recipients: phones,
      }),
    ),
    json(
      'missing variables for 3,500 recipients',
      JSON.stringify({
        sender_number: secrets.sender,
        template: 'Hi {{name}}',
        recipients: Array.from({ length: 3500 }, (_, i) => ({
          phone: `2169${String(i).padStart(7, '0')}`,
          variables: { other: 'x'.repeat(80) },
        })),
      }),
    ),
    json(
      'a 13 MB string',
      JSON.stringify({
        sender_number: secrets.sender,
        template: 'x'.repeat(13_000_000),
        recipients: ['21698000001'],
      }),
    ),
    json(
      'lone surrogate in a variable',
      `{"sender_number":"${secrets.sender}","template":"Hi {{a}}","variables":{"a":"\\ud800"},"recipients":["21698000001"]}`,
    ),
    json('gzip that does not decode', 'definitely not gzip', { 'content-encoding': 'gzip' }),
  ];
}
