/**
 * What a benchmark row reports: the figure, its baseline measured in the same run, the ratio
 * that is the claim, the target and whether it held. Absolute numbers are shown, not claimed.
 */
export interface RowResult {
  /** Row number in the table ("1".."11"). */
  id: string;
  title: string;
  /** The measured figure, formatted with its unit. */
  measured: string;
  /** The baseline measured in the same run, formatted, or "—" when the target is absolute. */
  baseline: string;
  /** The claim: measured relative to the baseline (or to the absolute limit), as displayed. */
  ratio: string;
  target: string;
  /** true / false, or null when the row could not be measured as specified (see notes). */
  met: boolean | null;
  notes: string[];
  /** Raw figures for the JSON output. */
  data: Record<string, unknown>;
}

export interface RunContext {
  quick: boolean;
  log: (line: string) => void;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "-";
}

export function ratio(n: number, digits = 2): string {
  return Number.isFinite(n) ? `${n.toFixed(digits)}×` : "-";
}
