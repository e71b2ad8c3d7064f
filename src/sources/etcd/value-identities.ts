/**
 * Value identities mapped to a handle, kept in typed arrays. Two values are the same when
 * their revision key, length and CRC-32 are (a revision's value never changes; length and
 * CRC check it). A database has a value per revision, hundreds of thousands of them: a Map
 * keyed by a string per value costs a string, a Map entry and garbage-collector work per
 * value, which was a fifth of a snapshot's time on the main thread. Here a revision key
 * (main u64, '_', sub u64, and 't' on a tombstone) is held as its numbers, exactly, in an
 * open-addressing table; any other key, which a stored table might hold, goes to a plain Map.
 */

/** u32 fields per entry: main high, main low, sub high, sub low, tail, length, CRC-32. */
const FIELDS = 7;
/** The tail field of a key with no byte after the sub revision. */
const NO_TAIL = 256;
const SEPARATOR = 0x5f;
const INITIAL_SLOTS = 1024;

export class ValueIdentities {
  /** Per slot: the entry's index + 1, or 0 when free. Never fuller than half. */
  private slots = new Int32Array(INITIAL_SLOTS);
  private fields = new Uint32Array(FIELDS * INITIAL_SLOTS);
  private handles = new Int32Array(INITIAL_SLOTS);
  private count = 0;
  /** Keys that are not revision keys, by their bytes, length and CRC as a string. */
  private readonly other = new Map<string, number>();

  get size(): number {
    return this.count + this.other.size;
  }

  /** The handle of the value with this key, length and CRC-32, or undefined. */
  get(key: Uint8Array, length: number, crc: number): number | undefined {
    if (!isRevision(key)) return this.other.get(otherKey(key, length, crc));
    const entry = this.slots[this.find(key, length, crc)]!;
    return entry === 0 ? undefined : this.handles[entry - 1];
  }

  /** Sets the handle of the value with this key, length and CRC-32. */
  set(key: Uint8Array, length: number, crc: number, handle: number): void {
    if (!isRevision(key)) {
      this.other.set(otherKey(key, length, crc), handle);
      return;
    }
    const slot = this.find(key, length, crc);
    const existing = this.slots[slot]!;
    if (existing !== 0) {
      this.handles[existing - 1] = handle;
      return;
    }
    if (this.count === this.handles.length) this.growEntries();
    const at = this.count * FIELDS;
    const f = this.fields;
    f[at] = word(key, 0);
    f[at + 1] = word(key, 4);
    f[at + 2] = word(key, 9);
    f[at + 3] = word(key, 13);
    f[at + 4] = key.length === 18 ? key[17]! : NO_TAIL;
    f[at + 5] = length;
    f[at + 6] = crc;
    this.handles[this.count] = handle;
    this.slots[slot] = ++this.count;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
  }

  /** The slot holding this identity, or the free slot where it would go. */
  private find(key: Uint8Array, length: number, crc: number): number {
    const mainHigh = word(key, 0);
    const mainLow = word(key, 4);
    const subHigh = word(key, 9);
    const subLow = word(key, 13);
    const tail = key.length === 18 ? key[17]! : NO_TAIL;
    return this.probe(mainHigh, mainLow, subHigh, subLow, tail, length >>> 0, crc >>> 0);
  }

  private probe(mainHigh: number, mainLow: number, subHigh: number, subLow: number, tail: number, length: number, crc: number): number {
    const mask = this.slots.length - 1;
    const f = this.fields;
    let slot = hash(mainLow, subLow, crc) & mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) return slot;
      const at = (entry - 1) * FIELDS;
      if (f[at + 1] === mainLow && f[at + 6] === crc && f[at + 3] === subLow && f[at + 5] === length && f[at] === mainHigh && f[at + 2] === subHigh && f[at + 4] === tail) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    const f = this.fields;
    const mask = size - 1;
    for (let i = 0; i < this.count; i++) {
      const at = i * FIELDS;
      let slot = hash(f[at + 1]!, f[at + 3]!, f[at + 6]!) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = i + 1;
    }
  }

  private growEntries(): void {
    const fields = new Uint32Array(this.fields.length * 2);
    fields.set(this.fields);
    this.fields = fields;
    const handles = new Int32Array(this.handles.length * 2);
    handles.set(this.handles);
    this.handles = handles;
  }
}

function isRevision(key: Uint8Array): boolean {
  return (key.length === 17 || key.length === 18) && key[8] === SEPARATOR;
}

/** Four bytes big-endian, as revision numbers are written. */
function word(key: Uint8Array, at: number): number {
  return ((key[at]! << 24) | (key[at + 1]! << 16) | (key[at + 2]! << 8) | key[at + 3]!) >>> 0;
}

function hash(mainLow: number, subLow: number, crc: number): number {
  let h = Math.imul(mainLow ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ subLow ^ (h >>> 13), 0xc2b2ae35);
  h ^= crc;
  return (h ^ (h >>> 16)) >>> 0;
}

function otherKey(key: Uint8Array, length: number, crc: number): string {
  return `${Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1')}/${length}/${crc}`;
}
