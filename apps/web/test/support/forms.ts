import assert from 'node:assert/strict';
import { waitFor } from '@herald/testing';
import type { Page } from 'playwright-core';
import type { WatchedPage } from './browser.ts';

/** Bad values in the settings forms: each gets its own message (the caller checks nothing left). */
export async function rejectBadSettings(page: Page): Promise<void> {
  const delays = page.getByRole('form', { name: 'Delays for everyone' });
  // The forms show the values in force once loaded.
  await waitFor(async () => (await delays.getByLabel(/MESSAGE_DELAY/).inputValue()) !== '', {
    what: 'the delays in force',
  });
  await delays.getByLabel(/MESSAGE_DELAY/).fill('-1');
  await delays.getByRole('button', { name: 'Save delays' }).click();
  await delays
    .getByText('The delay between messages must be a whole number of at least 0')
    .waitFor();
  const policy = page.getByRole('form', { name: 'Sender policy' });
  await policy.getByText(/^Policy for everyone, last changed/).waitFor();
  await policy.getByLabel('Warm-up daily caps').fill('20, forty');
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await policy.getByText('The warm-up is a list of daily caps, e.g. 20, 40, 80').waitFor();
  await policy.getByLabel('Burst size (messages)').fill('20');
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await policy.getByText('Give both the burst size and its pause, or neither').waitFor();
  await page.getByRole('button', { name: 'Add suppression' }).click();
  await page.getByText('Enter the number that must receive nothing').waitFor();
}

/** No delays, no jitter, caps, warm-up or bursts: emulated numbers cannot be banned. */
export async function turnPacingOff(page: Page): Promise<void> {
  const delays = page.getByRole('form', { name: 'Delays for everyone' });
  await delays.getByLabel(/MESSAGE_DELAY/).fill('0');
  await delays.getByLabel(/SENDER_SWITCH_DELAY/).fill('0');
  await delays.getByRole('button', { name: 'Save delays' }).click();
  await delays.getByText('Saved.').waitFor();
  const policy = page.getByRole('form', { name: 'Sender policy' });
  for (const label of [
    'Random extra delay (s)',
    'Messages per hour at most',
    'Messages per day at most',
    'Warm-up daily caps',
    'Burst size (messages)',
    'Pause after a burst (s)',
  ]) {
    await policy.getByLabel(label).fill(label.startsWith('Random') ? '0' : '');
  }
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await policy.getByText('Saved.').waitFor();
}

/** Bad input in the new-campaign form: each problem is named next to its field. */
export async function rejectBadCampaign(page: Page): Promise<void> {
  const send = page.getByRole('button', { name: 'Send campaign' });
  await send.click();
  await page.getByText('Write the message to send').waitFor();
  await page.getByText('Add at least one recipient').waitFor();
  await page.getByLabel('Message template').fill('Hello {{name}}, your order is ready.');
  await page.getByLabel('CSV file').setInputFiles({
    name: 'no-phone.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('name,city\nAnn,Tunis\n'),
  });
  await page.getByText(/no-phone\.csv: The CSV needs a column named phone/).waitFor();
  await page.getByLabel('CSV file').setInputFiles({
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('phone,name\n+21698000001,Ann\nnot-a-number,Bob\n'),
  });
  await send.click();
  await page.getByText(/row 3: "not-a-number" is not a phone number/).waitFor();
  await page.getByLabel('Media URL (optional)').fill('ftp://example.com/a.png');
  await page.getByLabel('Send at (optional)').fill('2020-01-01T10:00');
  await send.click();
  await page.getByText('The media URL must start with http:// or https://').waitFor();
  await page.getByText('The schedule must be in the future').waitFor();
  await page.getByLabel('Media URL (optional)').fill('');
  await page.getByLabel('Send at (optional)').fill('');
}

/** A worker is edited (a bad capacity first), disabled, then removed after the confirmation. */
export async function editDisableAndRemove(watched: WatchedPage, name: string): Promise<void> {
  const { page } = watched;
  const rowOf = (worker: string) => page.getByRole('row').filter({ hasText: worker });
  await rowOf(name).getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: `Edit ${name}` });
  watched.writes.length = 0;
  await form.getByLabel('Capacity (sessions)').fill('0');
  await form.getByRole('button', { name: 'Save worker' }).click();
  await form.getByText('Capacity is a whole number of sessions, at least 1').waitFor();
  assert.deepEqual(watched.writes, [], 'a bad capacity sends nothing');
  const renamed = `${name}-spare`;
  await form.getByLabel('Worker name').fill(renamed);
  await form.getByLabel('Capacity (sessions)').fill('2');
  await form.getByRole('button', { name: 'Save worker' }).click();
  const row = rowOf(renamed);
  // A Core worker holds one session whatever its capacity says.
  await row.getByRole('cell', { name: '0 / 1 (capacity set to 2)' }).waitFor();

  await row.getByRole('button', { name: 'Disable' }).click();
  await row.getByRole('cell', { name: /^disabled/ }).waitFor();
  await row.getByRole('button', { name: 'Remove' }).click();
  // Nothing is removed before the admin confirms.
  await row.getByRole('button', { name: 'No' }).click();
  await row.getByRole('button', { name: 'Remove' }).click();
  await row.getByRole('button', { name: 'Yes, remove' }).click();
  await row.waitFor({ state: 'detached' });
}
