// The property panel's plain fields: the text typed in one, read as the
// member's new value, or why it cannot be (the field then shows it, and
// the widget keeps its value, until the text is corrected).

/** What a field's text makes of a member whose value was `was`: its new
 * value (undefined: the member removed), or the problem with the text. */
export function readField(key: string, raw: string, was: unknown): { value: unknown } | { error: string } {
  if (typeof was === 'boolean') return { value: raw === 'true' };
  if (typeof was !== 'number') return { value: raw };
  const text = raw.trim();
  if (text === '') return { value: undefined };
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: `"${text}" is not a number` };
  if (key === 'decimals' && !(Number.isInteger(n) && n >= 0 && n <= 10)) return { error: 'decimals is a whole number from 0 to 10' };
  return { value: n };
}
