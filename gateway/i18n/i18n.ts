// Chinese on site, English otherwise. One catalogue per module of `{ en, zh }` messages with `{name}`
// placeholders; the language comes from `--lang zh|en`, else the locale (LC_ALL, LC_MESSAGES, LANG: zh_* is
// Chinese). Field names, ids and JSON stay English in both.

export type Lang = 'zh' | 'en';

export type Catalogue = Readonly<Record<string, { readonly en: string; readonly zh: string }>>;

export class LangError extends Error {}

/** Columns a string takes in a terminal: CJK and full-width forms take two. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

/** The text padded to `n` terminal columns, and at least one space after it. */
export function padTo(text: string, n: number): string {
  return displayWidth(text) >= n ? `${text} ` : text + ' '.repeat(n - displayWidth(text));
}

/** The language asked for by the flag, or the locale's; a flag that is neither zh nor en is refused. */
export function langOf(env: Readonly<Record<string, string | undefined>>, flag?: string): Lang {
  if (flag !== undefined) {
    if (flag === 'zh' || flag === 'en') return flag;
    throw new LangError(`--lang expects zh or en, got "${flag}"`);
  }
  // POSIX precedence: the first of these that is set decides.
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh([_.@-]|$)/i.test(locale) ? 'zh' : 'en';
}

/** The placeholders of a message, in order of first use. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string))];
}

export type Translate<C extends Catalogue> = (key: keyof C & string, vars?: Readonly<Record<string, string | number>>) => string;

export function translator<C extends Catalogue>(catalogue: C, lang: Lang): Translate<C> {
  return (key, vars = {}) => {
    const text = catalogue[key]?.[lang];
    if (text === undefined) throw new Error(`no message "${key}"`);
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}
