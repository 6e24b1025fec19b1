import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeholdersOf, renderTemplate } from '../src/index.ts';

describe('templates', () => {
  it('lists each placeholder once, in order of first use, spaces allowed inside the braces', () => {
    assert.deepEqual(placeholdersOf('{{a}} {{ b }} {{a}} {{c.d}} {{ not valid }}'), [
      'a',
      'b',
      'c.d',
    ]);
  });

  it('substitutes the values it has and leaves the others as written', () => {
    assert.equal(
      renderTemplate('Hi {{name}}, {{n}} {{ok}} {{x}}', { name: 'Sami', n: 3, ok: true }),
      'Hi Sami, 3 true {{x}}',
    );
  });
});
