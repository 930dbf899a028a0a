// A change the console makes to many boxes' configs at once — "the gas warning at 8 %LEL everywhere" —
// applied to each box's own config (the county's copy: one YAML file per gateway) as a YAML edit, so
// comments and the rest of the file stay as the installer wrote them. A path names keys and list items:
// `devices[kitchen-gas].channels.lel.warning` — `[x]` is the item whose `id` is x (or the x-th, from 0).
// A list item that is not there is an error naming the box and the part that did not fit (nothing is
// offered then); maps missing below it are made.

import { isMap, isSeq, parseDocument, type Document } from 'yaml';

export interface ConfigSet {
  path: string;
  value: unknown;
}

export class ConfigEditError extends Error {}

/** Splits `a.b[id].c` into its steps: keys and list selectors. */
function steps(path: string): { key?: string; item?: string }[] {
  const out: { key?: string; item?: string }[] = [];
  const re = /([A-Za-z_][\w-]*)|\[([^\]]+)\]|(\.)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < path.length && (m = re.exec(path))) {
    at = re.lastIndex;
    if (m[1] !== undefined) out.push({ key: m[1] });
    else if (m[2] !== undefined) out.push({ item: m[2] });
  }
  if (at !== path.length || !out.length || out[0]?.key === undefined)
    throw new ConfigEditError(`path "${path}" is not like devices[kitchen-gas].channels.lel.warning`);
  return out;
}

/** The edited text, or a ConfigEditError saying which part of which path does not fit. */
export function editConfig(text: string, sets: readonly ConfigSet[]): string {
  const doc = parseDocument(text) as Document.Parsed;
  if (doc.errors.length) throw new ConfigEditError(`the config does not parse: ${doc.errors[0]?.message ?? ''}`);
  for (const s of sets) {
    const keys: (string | number)[] = [];
    for (const st of steps(s.path)) {
      if (st.key !== undefined) {
        if (keys.length && isSeq(doc.getIn(keys, true)))
          throw new ConfigEditError(`${s.path}: ${keys.join('.')} is a list: name an item, ${keys.join('.')}[ID]`);
        keys.push(st.key);
        continue;
      }
      const list = doc.getIn(keys, true);
      if (!isSeq(list)) throw new ConfigEditError(`${s.path}: ${keys.join('.') || 'the file'} is not a list`);
      const sel = st.item as string;
      const index = /^\d+$/.test(sel) ? Number(sel) : list.items.findIndex((it) => isMap(it) && it.get('id') === sel);
      if (index < 0 || index >= list.items.length) throw new ConfigEditError(`${s.path}: no item [${sel}] in ${keys.join('.')}`);
      keys.push(index);
    }
    // Maps missing below the last list item are made (a device on default thresholds gets its own).
    doc.setIn(keys, s.value);
  }
  return doc.toString();
}
