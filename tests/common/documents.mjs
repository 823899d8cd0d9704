// The big state of the UI's large-state test and benchmark: the records of
// the Rust bench's documents (bench/src/docgen.rs), about 108 bytes of
// compact JSON each: 10,000 make about 1 MB, 100,000 about 10.8 MB.

/** `{"items": [{id, name, group, value, active, tags, note}…], "meta": {…}}` of `records` records. */
export function bigDocument(records) {
    const items = new Array(records);
    for (let i = 0; i < records; i++) {
        items[i] = {
            id: i,
            name: `item-${String(i).padStart(7, '0')}`,
            group: `g${i % 100}`,
            value: (i % 10000) / 8,
            active: i % 3 === 0,
            tags: [`t${i % 7}`, `t${i % 11}`],
            note: '',
        };
    }
    return { items, meta: { kind: 'bench-document', objects: records } };
}
