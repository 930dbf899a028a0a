// The venue facts of commissioning: from an answers file, then by asking; every answer checked with the
// config's own schema, a wrong one asked again with the reason.
import { describe, expect, it } from 'vitest';
import { translator } from '../i18n/i18n.js';
import { askMissing, factsFromFile, missing, sections } from './facts.js';
import { COMMISSION_MESSAGES } from './messages.js';

const t = translator(COMMISSION_MESSAGES, 'en');

describe('commission facts', () => {
  it('an answers file in config shape: typed values and y/n/是/否 strings, each checked', () => {
    const f = factsFromFile(
      {
        gateway: { id: 'GW-500242-0300' },
        venue: {
          id: 'V-1',
          name: '小旅馆',
          adminCode: '500242100000',
          category: 'lodging',
          size: { areaM2: 300, beds: 40 },
          flammables: '否',
          fireKeyUnit: false,
        },
      },
      'en',
    );
    expect(f).toMatchObject({ 'gateway.id': 'GW-500242-0300', 'venue.flammables': false, 'venue.size.beds': 40 });
    expect(missing(f, 'en')).toEqual(['venue.mixedUse', 'venue.heavyGasUse']);
    expect(() => factsFromFile({ venue: { colour: 'red' } }, 'en')).toThrow(/venue\.colour: not a venue field/);
    expect(() => factsFromFile({ venue: { category: 'bakery' } }, 'en')).toThrow(/venue\.category: /);
    expect(() => factsFromFile({ gateway: { id: 'GW 1' } }, 'en')).toThrow(/gateway\.id: /);
    expect(() => factsFromFile({ uplink: { url: 'http://x' } }, 'en')).toThrow(/uplink\.url: expected mqtt:\/\//);
    expect(() => factsFromFile({ extra: 1 }, 'en')).toThrow(/top level/);
  });

  it('asks what is missing, again after a wrong answer with the reason; the size question follows the category', async () => {
    const answers = ['GW-500242-0301', 'V-2', '火锅店', '123', '500242100000', 'catering', '120', 'eighty', '80', 'y', 'n', 'n', 'y', ''];
    const asked: string[] = [];
    const said: string[] = [];
    const f = await askMissing(
      {},
      'en',
      t,
      async (q) => {
        asked.push(q);
        return answers.shift() ?? null;
      },
      (s) => said.push(s),
    );
    expect(asked.some((q) => q.startsWith('Rated number of diners'))).toBe(true);
    expect(said.map((s) => s.trim())).toEqual([
      expect.stringMatching(/^not valid: expected the 12-digit administrative division code.*; again$/),
      'not valid: "eighty" is not a number; again',
    ]);
    const sec = sections(f);
    expect(sec.venue).toMatchObject({ category: 'catering', size: { areaM2: 120, diners: 80 }, flammables: true, heavyGasUse: true });
    expect(sec.uplink).toBeUndefined();
    // The end of input before every answer is an error, not a hang.
    await expect(
      askMissing(
        {},
        'en',
        t,
        async () => null,
        () => undefined,
      ),
    ).rejects.toThrow(/input ended/);
  });

  it('a hazardous-goods store handles flammables by definition: not asked, written true', async () => {
    const f = factsFromFile(
      {
        gateway: { id: 'GW-1' },
        venue: {
          id: 'V-3',
          name: '烟花店',
          adminCode: '500242100000',
          category: 'hazardous-goods',
          size: { areaM2: 50 },
          fireKeyUnit: false,
          mixedUse: false,
          heavyGasUse: false,
        },
      },
      'en',
    );
    expect(missing(f, 'en')).toEqual([]);
    expect(sections(f).venue.flammables).toBe(true);
  });
});
