import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createPhoneNormalizer,
  HeraldError,
  MAX_LISTED_PROBLEMS,
  prepareMessages,
  type RecipientInput,
} from '../src/index.ts';

const normalize = createPhoneNormalizer('TN');
const draft = {
  template: 'Hello {{name}}, {{ offer }}!',
  variables: { name: 'Sami', offer: '10%' },
  media_url: null,
};

function rejection(fn: () => unknown): HeraldError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HeraldError, String(error));
    return error;
  }
  assert.fail('expected a HeraldError');
}

describe('message preparation', () => {
  it('normalises recipients, keeps the first of each, and renders the text', () => {
    const prepared = prepareMessages(
      { ...draft, recipients: ['+216 42 108 077', '42108077', '0021698000001', '21698000001'] },
      normalize,
    );
    assert.deepEqual(prepared.recipients, ['21642108077', '21698000001']);
    assert.deepEqual(
      [...prepared.batches(1000, 1000)].flatMap((b) => b.bodies),
      ['Hello Sami, 10%!', 'Hello Sami, 10%!'],
    );
    assert.equal(prepared.totalLength, 32);
    assert.equal(prepared.duplicatesRemoved, 2);
    assert.deepEqual(prepared.duplicateRecipients, ['21642108077', '21698000001']);
  });

  it('lets a recipient override the campaign variables', () => {
    const prepared = prepareMessages(
      { ...draft, recipients: ['42108077', { phone: '21698000001', variables: { name: 'Ali' } }] },
      normalize,
    );
    assert.deepEqual(
      [...prepared.batches(1000, 1000)].flatMap((b) => b.bodies),
      ['Hello Sami, 10%!', 'Hello Ali, 10%!'],
    );
  });

  it('lists every invalid number at once, writing nothing', () => {
    const error = rejection(() =>
      prepareMessages({ ...draft, recipients: ['42108077', '12', 'abc'] }, normalize),
    );
    assert.equal(error.code, 'INVALID_RECIPIENTS');
    assert.deepEqual(error.details, { invalid: ['12', 'abc'] });
  });

  it('lists every missing variable, per recipient when recipients bring their own', () => {
    const shared = rejection(() =>
      prepareMessages({ ...draft, variables: {}, recipients: ['42108077'] }, normalize),
    );
    assert.equal(shared.code, 'MISSING_VARIABLES');
    assert.deepEqual(shared.details, { missing: ['name', 'offer'] });
    const perRecipient = rejection(() =>
      prepareMessages(
        {
          ...draft,
          variables: { offer: '5%' },
          recipients: [{ phone: '42108077', variables: { name: 'Ali' } }, '21698000001'],
        },
        normalize,
      ),
    );
    assert.deepEqual(perRecipient.details, {
      missing: ['name'],
      by_recipient: [{ recipient: '21698000001', missing: ['name'] }],
    });
  });

  it('names only the first recipients concerned, and how many there are', () => {
    const recipients = Array.from(
      { length: 50 },
      (_, i): RecipientInput => ({
        phone: String(21698000100 + i),
        variables: i % 2 === 0 ? { name: `R${i}` } : {},
      }),
    );
    const error = rejection(() =>
      prepareMessages({ ...draft, variables: { offer: '1%' }, recipients }, normalize),
    );
    const details = error.details as { by_recipient: { recipient: string }[] };
    assert.equal(error.code, 'MISSING_VARIABLES');
    assert.equal(details.by_recipient.length, MAX_LISTED_PROBLEMS);
    assert.equal(details.by_recipient[0]?.recipient, '21698000101');
    assert.equal(details.by_recipient[1]?.recipient, '21698000103');
    assert.equal((error.details as { by_recipient_count: number }).by_recipient_count, 25);
  });

  it('mixes strings and objects, and an object without variables uses the campaign values', () => {
    const prepared = prepareMessages(
      {
        ...draft,
        recipients: [
          { phone: '21698000001' },
          '21698000002',
          { phone: '21698000003', variables: { offer: '50%', extra: 'unused' } },
        ],
      },
      normalize,
    );
    assert.deepEqual(
      [...prepared.batches(1000, 1000)].flatMap((b) => b.bodies),
      ['Hello Sami, 10%!', 'Hello Sami, 10%!', 'Hello Sami, 50%!'],
    );
  });

  it('refuses a text that renders empty unless there is media to send', () => {
    const empty = { template: '{{x}}', variables: { x: ' ' }, recipients: ['42108077'] };
    const error = rejection(() => prepareMessages({ ...empty, media_url: null }, normalize));
    assert.equal(error.code, 'EMPTY_MESSAGE');
    const withMedia = { ...empty, media_url: 'https://cdn.example.com/a.jpg' };
    const [batch] = prepareMessages(withMedia, normalize).batches(10, 10);
    assert.deepEqual(batch?.bodies, [' ']);
  });

  it('refuses a text longer than WhatsApp allows from the lengths alone (819 x {{a}} of 4 KB)', () => {
    const bomb = {
      template: '{{a}}'.repeat(819),
      variables: { a: 'x'.repeat(4096) },
      media_url: null,
      recipients: Array.from({ length: 200 }, (_, i) => `2169800${String(i).padStart(4, '0')}`),
    };
    const heapBefore = process.memoryUsage().heapUsed;
    const error = rejection(() => prepareMessages(bomb, normalize));
    assert.equal(error.code, 'MESSAGE_TOO_LONG');
    const details = error.details as {
      max: number;
      recipients: unknown[];
      recipients_count: number;
    };
    assert.equal(details.max, 65_536);
    assert.equal(details.recipients.length, 20);
    assert.deepEqual(details.recipients[0], { recipient: '21698000000', length: 819 * 4096 });
    assert.equal(details.recipients_count, 200);
    // Rendering even one text would allocate 6.7 MB; 200 of them 1.3 GB.
    assert.ok(process.memoryUsage().heapUsed - heapBefore < 50 * 1024 * 1024);
  });

  it('accepts a text of exactly the limit', () => {
    const prepared = prepareMessages(
      {
        template: '{{a}}{{a}}',
        variables: { a: 'x'.repeat(32_768) },
        media_url: null,
        recipients: ['42108077'],
      },
      normalize,
    );
    assert.equal(prepared.totalLength, 65_536);
  });

  it('renders in batches bounded by characters and rows, in order', () => {
    const prepared = prepareMessages(
      {
        template: '{{a}}',
        variables: { a: 'xx' },
        media_url: null,
        recipients: [
          '21698000001',
          { phone: '21698000002', variables: { a: 'y'.repeat(50) } },
          '21698000003',
          '21698000004',
          '21698000005',
        ],
      },
      normalize,
    );
    const batches = [...prepared.batches(10, 2)];
    assert.deepEqual(
      batches.map((b) => b.recipients.length),
      [1, 1, 2, 1],
    );
    assert.deepEqual(
      batches.flatMap((b) => b.recipients),
      prepared.recipients,
    );
    assert.equal(batches[1]?.bodies[0], 'y'.repeat(50));
  });

  it('lists the first 20 problems and counts the rest', () => {
    const recipients = Array.from({ length: 1000 }, (_, i) => `bad${i}`);
    const error = rejection(() => prepareMessages({ ...draft, recipients }, normalize));
    const details = error.details as { invalid: string[]; invalid_count: number };
    assert.equal(details.invalid.length, 20);
    assert.equal(details.invalid_count, 1000);
    const missing = rejection(() =>
      prepareMessages(
        {
          ...draft,
          variables: {},
          recipients: Array.from({ length: 500 }, (_, i) => ({
            phone: `2169800${String(i).padStart(4, '0')}`,
            variables: { other: 'x'.repeat(100) },
          })),
        },
        normalize,
      ),
    );
    const byRecipient = missing.details as { by_recipient: unknown[]; by_recipient_count: number };
    assert.equal(byRecipient.by_recipient.length, 20);
    assert.equal(byRecipient.by_recipient_count, 500);
    assert.ok(JSON.stringify(missing.details).length < 4096);
  });
});
