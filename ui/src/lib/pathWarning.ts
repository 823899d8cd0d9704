/**
 * What setting a value at `path` would do to an array on the way, when it
 * is not what a JSON Pointer reader expects: the engine sets as the
 * reference's juggler paths do (`hat.json.set_`), so a key on an array
 * (`/items/-`, which RFC 6901 reads as "append") replaces the whole array
 * with an object, an index past the end pads it with nulls, and an index
 * on an object replaces it with an array. `null` when nothing of the kind
 * happens.
 */
export function arrayPathWarning(doc: unknown, path: (string | number)[]): string | null {
  let node: unknown = doc;
  const at: string[] = [];
  for (const step of path) {
    const where = at.length ? '/' + at.join('/') : 'the state';
    if (Array.isArray(node)) {
      if (typeof step !== 'number') {
        return `${where} is an array of ${node.length}: the key ${JSON.stringify(step)} would replace it with an object; to add at its end, use the index ${node.length}`;
      }
      if (step > node.length) {
        return `${where} has ${node.length} item${node.length === 1 ? '' : 's'}: index ${step} would add ${step - node.length} null${step - node.length === 1 ? '' : 's'} before the value; to add at its end, use the index ${node.length}`;
      }
      node = node[step];
    } else if (node !== null && typeof node === 'object') {
      if (typeof step === 'number') {
        return `${where} is an object: the index ${step} would replace it with an array; to set its member "${step}", write the step as a string ("${step}")`;
      }
      node = (node as Record<string, unknown>)[step];
    } else {
      return null;
    }
    at.push(String(step).replaceAll('~', '~0').replaceAll('/', '~1'));
  }
  return null;
}
