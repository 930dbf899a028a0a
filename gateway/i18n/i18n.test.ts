import { describe, expect, it } from 'vitest';
import { DIAGNOSTICS_EN } from '../../config/diagnostics.js';
import { DIAGNOSTICS_ZH } from '../../config/diagnostics-zh.js';
import { CHECK_CONFIG_MESSAGES } from '../cli/check-config-messages.js';
import { COMMISSION_MESSAGES } from '../commission/messages.js';
import { STATUS_MESSAGES } from '../status/messages.js';
import { displayWidth, langOf, LangError, padTo, placeholders, translator, type Catalogue } from './i18n.js';

// Every catalogue of the product: each message in both languages, with the same placeholders.
const CATALOGUES: Record<string, Catalogue> = {
  commission: COMMISSION_MESSAGES,
  status: STATUS_MESSAGES,
  checkConfig: CHECK_CONFIG_MESSAGES,
  // The config's diagnostics: one catalogue per language, by code.
  configDiagnostics: Object.fromEntries(
    Object.entries(DIAGNOSTICS_EN).map(([code, en]) => [code, { en, zh: DIAGNOSTICS_ZH[code as keyof typeof DIAGNOSTICS_ZH] }]),
  ),
};

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

  it('pads by terminal columns: a Chinese character takes two', () => {
    expect(displayWidth('状态页')).toBe(6);
    expect(padTo('状态页', 9)).toBe('状态页   ');
    expect(padTo('gateway', 9)).toBe('gateway  ');
    expect(padTo('environment', 9)).toBe('environment ');
  });

  for (const [name, cat] of Object.entries(CATALOGUES)) {
    it(`${name}: every message has both languages with the same placeholders`, () => {
      for (const [key, m] of Object.entries(cat)) {
        expect(m.en.trim(), `${name}.${key} en`).not.toBe('');
        expect(m.zh.trim(), `${name}.${key} zh`).not.toBe('');
        // The YAML library's English detail may be left out where our Chinese says it all (a tab, a key twice).
        if (key.startsWith('yaml.')) expect(placeholders(m.en), `${name}.${key} placeholders`).toEqual(expect.arrayContaining(placeholders(m.zh)));
        else expect(placeholders(m.zh).sort(), `${name}.${key} placeholders`).toEqual(placeholders(m.en).sort());
        // Chinese text in the zh message (not an English copy left untranslated).
        // (A message of placeholders and punctuation only, "{a}；{b}", has no words to translate.)
        if (/[A-Za-z]/.test(m.zh.replace(/\{\w+\}/g, ''))) expect(/[\u4e00-\u9fff]/.test(m.zh), `${name}.${key} zh has Chinese`).toBe(true);
      }
    });
  }
});
