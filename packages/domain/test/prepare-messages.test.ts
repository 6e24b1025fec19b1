import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createPhoneNormalizer,
  HeraldError,
  MISSING_VARIABLES_REPORTED,
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
    assert.deepEqual(prepared, {
      recipients: ['21642108077', '21698000001'],
      bodies: ['Hello Sami, 10%!', 'Hello Sami, 10%!'],
      duplicatesRemoved: 2,
      duplicateRecipients: ['21642108077', '21698000001'],
    });
  });

  it('lets a recipient override the campaign variables', () => {
    const prepared = prepareMessages(
      { ...draft, recipients: ['42108077', { phone: '21698000001', variables: { name: 'Ali' } }] },
      normalize,
    );
    assert.deepEqual(prepared.bodies, ['Hello Sami, 10%!', 'Hello Ali, 10%!']);
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
      recipients_concerned: 1,
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
    assert.equal(details.by_recipient.length, MISSING_VARIABLES_REPORTED);
    assert.equal(details.by_recipient[0]?.recipient, '21698000101');
    assert.equal(details.by_recipient[1]?.recipient, '21698000103');
    assert.equal((error.details as { recipients_concerned: number }).recipients_concerned, 25);
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
    assert.deepEqual(prepared.bodies, ['Hello Sami, 10%!', 'Hello Sami, 10%!', 'Hello Sami, 50%!']);
  });

  it('refuses a text that renders empty unless there is media to send', () => {
    const empty = { template: '{{x}}', variables: { x: ' ' }, recipients: ['42108077'] };
    const error = rejection(() => prepareMessages({ ...empty, media_url: null }, normalize));
    assert.equal(error.code, 'EMPTY_MESSAGE');
    assert.deepEqual(
      prepareMessages({ ...empty, media_url: 'https://cdn.example.com/a.jpg' }, normalize).bodies,
      [' '],
    );
  });
});
