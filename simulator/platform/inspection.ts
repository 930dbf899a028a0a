// When a venue is next due for an inspection (核查抽查), by its risk colour (seed, Art. 6(5)): red at
// least monthly, orange every two months, yellow quarterly, blue half-yearly. Calendar months, as the
// regulation says them (the gateway's check-config shows the same as 30/60/90/180 days); a month end
// that does not exist (31 January + 1 month) falls on the last day of the shorter month.

import type { RiskColour } from '../../config/index.js';

const INSPECTION_MONTHS: Record<RiskColour, number> = { red: 1, orange: 2, yellow: 3, blue: 6 };

/** The due date (UTC, ms) after the last inspection; a venue never inspected is due now. */
export function inspectionDue(risk: RiskColour, lastInspection: number | null, now: number): number {
  if (lastInspection === null) return now;
  const d = new Date(lastInspection);
  const months = d.getUTCMonth() + INSPECTION_MONTHS[risk];
  const target = new Date(Date.UTC(d.getUTCFullYear(), months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime();
}
