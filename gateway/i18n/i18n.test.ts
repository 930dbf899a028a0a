import { describe, expect, it } from 'vitest';
import { CHECK_CONFIG_MESSAGES, CONFIG_DIAGNOSTICS } from '../cli/check-config-messages.js';
import { COMMISSION_MESSAGES } from '../commission/messages.js';
import { STATUS_MESSAGES } from '../status/messages.js';
import { displayWidth, langOf, LangError, padTo, placeholders, sentenceTranslator, translator, type Catalogue } from './i18n.js';

// Every catalogue of the product: each message in both languages, with the same placeholders.
const CATALOGUES: Record<string, Catalogue> = {
  commission: COMMISSION_MESSAGES,
  status: STATUS_MESSAGES,
  checkConfig: CHECK_CONFIG_MESSAGES,
  configDiagnostics: CONFIG_DIAGNOSTICS,
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

  it('translates whole sentences by template: parts copied, …Text parts translated in turn, the rest left as is', () => {
    const zh = sentenceTranslator({
      quoted: { en: 'expected a number, got the quoted string {value}: remove the quotes', zh: '应为数字，实际是带引号的字符串 {value}：去掉引号' },
      got: { en: 'expected {expectedText}, got {gotText}', zh: '应为{expectedText}，实际是{gotText}' },
      key: { en: 'unknown key "{key}"', zh: '未知的键 "{key}"' },
      number: { en: 'a number', zh: '数字' },
      list: { en: 'a list', zh: '列表' },
      text: { en: 'text', zh: '文本' },
      joined: { en: '{aText}; {bText}', zh: '{aText}；{bText}' },
    });
    // The specific entry before the general one.
    expect(zh('expected a number, got the quoted string "5": remove the quotes')).toBe('应为数字，实际是带引号的字符串 "5"：去掉引号');
    expect(zh('expected a number, got a list')).toBe('应为数字，实际是列表');
    // A key is copied, never translated, even when it is a word the catalogue knows.
    expect(zh('unknown key "text"')).toBe('未知的键 "text"');
    // Whole sentences only: a sentence with more around it is not taken for a shorter one.
    expect(zh('unknown key "x" in the list')).toBe('unknown key "x" in the list');
    expect(zh('a number; a list; text')).toBe('数字；列表；文本');
    expect(zh('something new')).toBe('something new');
    // Template syntax in the English is literal: ${NAME} and regex characters.
    const env = sentenceTranslator({ e: { en: 'unclosed ${ in "{value}" (x+y)?', zh: '"{value}" 中 ${ 没有闭合' } });
    expect(env('unclosed ${ in "${A" (x+y)?')).toBe('"${A" 中 ${ 没有闭合');
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
        expect(placeholders(m.zh).sort(), `${name}.${key} placeholders`).toEqual(placeholders(m.en).sort());
        // Chinese text in the zh message (not an English copy left untranslated).
        // (A message of placeholders and punctuation only, "{a}；{b}", has no words to translate.)
        if (/[A-Za-z]/.test(m.zh.replace(/\{\w+\}/g, ''))) expect(/[\u4e00-\u9fff]/.test(m.zh), `${name}.${key} zh has Chinese`).toBe(true);
      }
    });
  }
});
