import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, placeholdersOf, renderTemplate } from '../src/index.ts';

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

describe('compileTemplate', () => {
  it('renders like renderTemplate when every value is there', () => {
    const template = '{{a}} and {{ b }}, {{a}} again; {{c}}';
    const values = { a: 1, b: 'two', c: true };
    const compiled = compileTemplate(template);
    assert.deepEqual(compiled.names, ['a', 'b', 'c']);
    assert.equal(
      compiled.render((n) => values[n as keyof typeof values]),
      renderTemplate(template, values),
    );
    assert.equal(
      compileTemplate('no placeholders').render(() => undefined),
      'no placeholders',
    );
  });

  it('renders nothing when a value is missing', () => {
    assert.equal(
      compileTemplate('{{a}} {{b}}').render((n) => (n === 'a' ? 'x' : undefined)),
      null,
    );
  });
});
