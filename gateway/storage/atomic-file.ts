// A small file replaced whole or not at all: written beside, synced, renamed over. A power cut leaves the
// old file or the new one, never half of either (config history, the update's job, the boot guard's files).
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';

export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode: 0o640 });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
