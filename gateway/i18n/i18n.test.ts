import { describe, expect, it } from 'vitest';
import { COMMISSION_MESSAGES } from '../commission/messages.js';
import { STATUS_MESSAGES } from '../status/messages.js';
import { langOf, LangError, placeholders, translator, type Catalogue } from './i18n.js';

// Every catalogue of the product: each message in both languages, with the same placeholders.
const CATALOGUES: Record<string, Catalogue> = { commission: COMMISSION_MESSAGES, status: STATUS_MESSAGES };

describe('i18n', () => {
  it('the flag wins, then LC_ALL, LC_MESSAGES, LANG; zh_* is Chinese', () => {
    expect(langOf({ LANG: 'zh_CN.UTF-8' })).toBe('zh');
    expect(langOf({ LANG: 'zh_TW' })).toBe('zh');
    expect(langOf({ LANG: 'en_US.UTF-8' })).toBe('en');
    expect(langOf({})).toBe('en');
    expect(langOf({ LC_ALL: 'C', LANG: 'zh_CN.UTF-8' })).toBe('en');
    expect(langOf({ LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'en_US' })).toBe('zh');
    expect(langOf({ LANG: 'zh_CN.UTF-8' }, 'en')).toBe('en');
    expect(() => langOf({}, 'fr')).toThrow(LangError);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    const t = translator({ hi: { en: 'found {n} devices on {line}', zh: '在{line}上找到{n}台设备' } }, 'zh');
    expect(t('hi', { n: 3, line: '/dev/ttyUSB0' })).toBe('在/dev/ttyUSB0上找到3台设备');
    expect(t('hi', { n: 3 })).toBe('在{line}上找到3台设备');
  });

  for (const [name, cat] of Object.entries(CATALOGUES)) {
    it(`${name}: every message has both languages with the same placeholders`, () => {
      for (const [key, m] of Object.entries(cat)) {
        expect(m.en.trim(), `${name}.${key} en`).not.toBe('');
        expect(m.zh.trim(), `${name}.${key} zh`).not.toBe('');
        expect(placeholders(m.zh).sort(), `${name}.${key} placeholders`).toEqual(placeholders(m.en).sort());
        // Chinese text in the zh message (not an English copy left untranslated).
        expect(/[\u4e00-\u9fff]/.test(m.zh), `${name}.${key} zh has Chinese`).toBe(true);
      }
    });
  }
});
