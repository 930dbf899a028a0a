// The wall-clock time of an instant in the venue's zone (config `gateway.timeZone`), never the process's:
// a box left at UTC (the default of many images) would otherwise show and send every time eight hours off
// in China. Used for GB/T 26875.3 time labels and for every time a person reads on the box; MQTT carries
// UTC ISO times.

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

export function wallClock(ms: number, zone: string): WallClock {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, f);
  }
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of f.formatToParts(ms)) if (part.type in out) out[part.type as keyof typeof out] = Number(part.value);
  return out;
}

/** How far `zone`'s wall clock is ahead of UTC at the instant `ms`. */
export function zoneOffsetMs(ms: number, zone: string): number {
  const w = wallClock(ms, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}
