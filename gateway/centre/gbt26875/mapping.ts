// What of the box's events goes to a GB/T 26875.3 centre, and in which words: the centre's record of an
// event, and its data units — component status bits, analog values in the standard's steps, the
// transmitter's status and operations. The channel table itself: ./components.ts.

import type { Centre } from '../../../config/index.js';
import type { ComponentMap } from './components.js';
import iconv from 'iconv-lite';
import { timeLabelOf } from './frame.js';
import { COMPONENT_STATUS, TRANSMITTER_OPERATION, TRANSMITTER_STATUS } from './tables.js';
import { gb18030, type DataUnit } from './units.js';
import type { CentreRecord } from './record.js';

/** A channel's state as a component status word (§8.2.1.2). Our pre-alarm (预警) has no bit of its own
 *  in the standard: it is sent as supervisory (监管). A device in maintenance is disabled (屏蔽) and in
 *  test (bit 0 clear). */
export function componentStatus(state: 'normal' | 'warning' | 'alarm' | 'fault', test: boolean): number {
  const running = test ? 0 : COMPONENT_STATUS.running;
  const disabled = test ? COMPONENT_STATUS.disabled : 0;
  switch (state) {
    case 'alarm':
      return running | disabled | COMPONENT_STATUS.fire;
    case 'warning':
      return running | disabled | COMPONENT_STATUS.supervisory;
    case 'fault':
      return running | disabled | COMPONENT_STATUS.fault;
    default:
      return running | disabled;
  }
}

/** A reading as a whole number of the analog type's steps, clamped to the signed 16-bit range. */
export function analogValue(reading: number, scale: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(reading * scale)));
}

/** The data units of a record (each its own frame), in sending order; `offsetMs`: the centre's clock minus ours. */
export function unitsFor(record: CentreRecord, maps: ReadonlyMap<string, ComponentMap>, centre: Centre, zone: string, offsetMs = 0): DataUnit[] {
  const time = timeLabelOf(new Date(record.at + offsetMs), zone);
  if (record.kind === 'operation') {
    const operation = record.operation === 'reset' ? TRANSMITTER_OPERATION.reset : TRANSMITTER_OPERATION.silence;
    return [{ type: 24, objects: [{ type: 24, operation, operator: 0, time }] }];
  }
  const m = maps.get(`${record.device}/${record.channel}`);
  if (!m) return [];
  const place = { systemType: centre.systemType, systemAddress: centre.systemAddress, componentType: m.componentType, componentAddress: m.componentAddress };
  const units: DataUnit[] = [
    { type: 2, objects: [{ type: 2, ...place, status: componentStatus(record.state, record.test), description: descriptionText(m.description), time }] },
  ];
  if (m.analogType > 0 && record.value !== null) {
    units.push({ type: 3, objects: [{ type: 3, ...place, analogType: m.analogType, value: analogValue(record.value, m.analogScale), time }] });
  }
  // A local reset on site is an operation of the transmitter (reset bit), beside the channel's return to normal.
  if (record.reset) units.push({ type: 24, objects: [{ type: 24, operation: TRANSMITTER_OPERATION.reset, operator: 0, time }] });
  return units;
}

/** A description cut to the 31 bytes it has in GB 18030 (at a character boundary). */
export function descriptionText(text: string): string {
  return iconv.decode(Buffer.from(gb18030(text, 31)), 'gb18030');
}

/** The building system's status word (§8.2.1.1; its bits 0–4 mean what a component's do): running, and
 *  fire, fault, supervisory from the channels not in maintenance. */
export function systemStatus(channels: readonly { state: string; test: boolean }[]): number {
  const live = channels.filter((c) => !c.test);
  let s = COMPONENT_STATUS.running;
  if (live.some((c) => c.state === 'alarm')) s |= COMPONENT_STATUS.fire;
  if (live.some((c) => c.state === 'fault')) s |= COMPONENT_STATUS.fault;
  if (live.some((c) => c.state === 'warning')) s |= COMPONENT_STATUS.supervisory;
  return s;
}

/** The transmitter's status byte (§8.2.1.8) from the channels' states and the link to the centre. */
export function transmitterStatus(states: readonly { state: string; test: boolean }[]): number {
  let s = TRANSMITTER_STATUS.monitoring;
  if (states.some((c) => c.state === 'alarm' && !c.test)) s |= TRANSMITTER_STATUS.fire;
  if (states.some((c) => c.state === 'fault' && !c.test)) s |= TRANSMITTER_STATUS.fault;
  return s;
}
