/**
 * Reads an etcd database (a bbolt file) as it streams past, once, without holding it: it
 * notes what each page says (children of branch pages, entry counts and last keys of leaf
 * pages, bucket roots) and afterwards walks the tree from the newest valid meta page. That
 * gives what `etcdutl snapshot status` reports — the revision (the last key of the "key"
 * bucket) and the number of live keys (revisions replayed in order, tombstones removing
 * their key) — and proves that every page the tree reaches arrived.
 *
 * bbolt layout (little-endian): every page starts with id u64, flags u16, count u16,
 * overflow u32. Meta pages 0 and 1 hold magic, version, page size, flags, the root bucket
 * (root pgid u64, sequence u64), freelist pgid, high-water pgid, txid and an FNV-1a
 * checksum. Branch elements are {pos u32, ksize u32, pgid u64}; leaf elements are
 * {flags u32, pos u32, ksize u32, vsize u32}, pos counted from the element. A leaf element
 * with flag 1 is a bucket whose value is {root u64, sequence u64}, followed by an inline
 * leaf page when root is 0.
 *
 * etcd's "key" bucket maps a revision (main u64 big-endian, '_', sub u64 big-endian, and
 * 't' on a tombstone) to an mvccpb.KeyValue whose field 1 is the user's key. Leaves of that
 * shape keep a 53-bit hash of each user key, about 9 bytes per revision, so the live-key
 * count needs no copy of the keys.
 */

const PAGE_HEADER = 16;
const ELEMENT = 16;
const BRANCH = 0x01;
const LEAF = 0x02;
const META = 0x04;
const BUCKET_ENTRY = 0x01;
const MAGIC = 0xed0cdaed;
/** A page claiming a larger span than this is not believed (stale bytes in a freed page). */
const MAX_SPAN = 256 * 1024 * 1024;

interface BucketRef {
  readonly name: string;
  readonly root: number;
  /** The summary of the bucket's own leaf page when it is stored inline (root 0). */
  readonly inline?: number;
}

const LEAF_SUMMARY = 1;
const BRANCH_SUMMARY = 2;

/**
 * What the pages said, in columns of numbers rather than an object per page: a database
 * of a million pages is summarised in tens of megabytes, and the collector has a few
 * arrays to walk instead of millions of objects. Stale pages (freed, never overwritten)
 * are summarised too; only the walk from the meta page tells them apart.
 */
class PageSummaries {
  /** Per pgid: index of its summary + 1, or 0. */
  private slots = new Int32Array(1024);
  private readonly kinds: number[] = [];
  /** Leaf: entry count; branch: child count. */
  readonly counts: number[] = [];
  /**
   * The first 8 bytes of a leaf's last key, big-endian (for a revision key, its main
   * revision), NaN when there is none. A number, not a copy of the key: small Buffers come
   * from Node's shared 8 KiB pool, and one kept per page would pin a slab per page.
   */
  readonly lastMains: number[] = [];
  /** Start of a leaf's revisions or a branch's children; -1 for a leaf of other keys. */
  readonly starts: number[] = [];
  /**
   * Per revision in a leaf of revision keys: the user key's 53-bit hash, as -(hash + 1)
   * for a tombstone. About 9 bytes per revision, so the live-key count needs no copy of
   * the keys.
   */
  readonly revisions: number[] = [];
  readonly children: number[] = [];
  /** The buckets named in a leaf (the root bucket's leaves; there are few). */
  readonly buckets = new Map<number, readonly BucketRef[]>();

  get size(): number {
    return this.kinds.length;
  }

  /** A leaf summary; `revisions` are its entries' hashes when every key is a revision. */
  addLeaf(count: number, lastMain: number, revisions: readonly number[] | undefined, buckets: readonly BucketRef[]): number {
    const summary = this.add(LEAF_SUMMARY, count, lastMain, revisions === undefined ? -1 : this.revisions.length);
    if (revisions !== undefined) for (const revision of revisions) this.revisions.push(revision);
    if (buckets.length > 0) this.buckets.set(summary, buckets);
    return summary;
  }

  addBranch(children: readonly number[]): number {
    const summary = this.add(BRANCH_SUMMARY, children.length, Number.NaN, this.children.length);
    for (const child of children) this.children.push(child);
    return summary;
  }

  /** Files a summary under the page it was read from. */
  place(pgid: number, summary: number): void {
    if (pgid >= this.slots.length) {
      const grown = new Int32Array(Math.max(pgid + 1, this.slots.length * 2));
      grown.set(this.slots);
      this.slots = grown;
    }
    this.slots[pgid] = summary + 1;
  }

  /** The summary read from page `pgid`, or undefined when it was no branch or leaf page. */
  at(pgid: number): number | undefined {
    const slot = pgid < this.slots.length ? this.slots[pgid]! : 0;
    return slot === 0 ? undefined : slot - 1;
  }

  isLeaf(summary: number): boolean {
    return this.kinds[summary] === LEAF_SUMMARY;
  }

  private add(kind: number, count: number, lastMain: number, start: number): number {
    this.kinds.push(kind);
    this.counts.push(count);
    this.lastMains.push(lastMain);
    this.starts.push(start);
    return this.kinds.length - 1;
  }
}

interface Meta {
  readonly pageSize: number;
  readonly root: number;
  readonly highWater: number;
  readonly txid: bigint;
}

export interface BoltSummary {
  readonly pageSize: number;
  /** Bytes of the database (high-water page × page size). */
  readonly size: number;
  /** The newest revision in the "key" bucket: what the snapshot restores to. */
  readonly revision: number;
  /** Live keys, counted as `etcdutl snapshot status` (3.6) counts TOTAL KEYS. */
  readonly totalKeys: number;
  /** Entries per bucket (the "key" bucket's are revisions, kept until compaction). */
  readonly buckets: Readonly<Record<string, number>>;
}

export class BoltDamaged extends Error {}

export class BoltInventory {
  private readonly pages = new PageSummaries();
  private readonly metas: Meta[] = [];
  private pageSize = 0;
  /** Bytes received but not yet past every page that starts in them. */
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;
  /** Offset of the next page start to read. */
  private next = 0;
  private received = 0;

  /**
   * Feed the database's bytes in order. etcd's stream may be fed whole: its SHA-256 trailer
   * sits where the page after the last would start, and a header that does not name its
   * own page is no page. The bytes are read in place (copied only to join a page cut
   * between two pushes), so they must not change while this holds them.
   */
  push(bytes: Uint8Array): void {
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    this.window = this.window.length === 0 ? view : Buffer.concat([this.window, view]);
    this.received += bytes.length;
    this.readPages(false);
  }

  /**
   * After the last byte: walk the tree from the newest valid meta page. `databaseBytes`:
   * how much of what was fed is the database (the stream less its trailer).
   */
  finish(databaseBytes = this.received): BoltSummary {
    this.readPages(true);
    const meta = this.metas.sort((a, b) => (a.txid < b.txid ? 1 : -1))[0];
    if (meta === undefined) throw new BoltDamaged('no valid bolt meta page: this is not an etcd database, or its first pages are damaged');
    if (databaseBytes < meta.highWater * meta.pageSize) {
      throw new BoltDamaged(`the database is truncated: ${databaseBytes} bytes, the meta page says ${meta.highWater * meta.pageSize}`);
    }
    const pages = this.pages;
    const root = this.leaves(meta.root, 'the root bucket');
    const buckets: Record<string, number> = {};
    let liveKeys = 0;
    let revision = 0;
    for (const bucket of root.flatMap((leaf) => pages.buckets.get(leaf) ?? [])) {
      const leaves = bucket.inline !== undefined ? [bucket.inline] : this.leaves(bucket.root, `bucket ${bucket.name}`);
      buckets[bucket.name] = leaves.reduce((sum, leaf) => sum + pages.counts[leaf]!, 0);
      if (bucket.name === 'key') {
        const last = leaves.findLast((leaf) => !Number.isNaN(pages.lastMains[leaf]!));
        revision = last === undefined ? 0 : pages.lastMains[last]!;
        liveKeys = countLiveKeys(pages, leaves);
      }
    }
    return { pageSize: meta.pageSize, size: meta.highWater * meta.pageSize, revision, totalKeys: liveKeys, buckets };
  }

  /** The summaries of the leaf pages under `pgid`, in key order. */
  private leaves(pgid: number, what: string): number[] {
    const pages = this.pages;
    const out: number[] = [];
    const stack = [pgid];
    let visited = 0;
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (++visited > pages.size + 1) throw new BoltDamaged(`${what}: the page tree has a cycle`);
      const summary = pages.at(id);
      if (summary === undefined) throw new BoltDamaged(`${what}: page ${id} is missing or is not a branch or leaf page`);
      if (pages.isLeaf(summary)) out.push(summary);
      else for (let i = pages.starts[summary]! + pages.counts[summary]! - 1; i >= pages.starts[summary]!; i--) stack.push(pages.children[i]!);
    }
    return out;
  }

  private readPages(final: boolean): void {
    for (;;) {
      if (this.pageSize === 0 && !this.readFirstMeta(final)) return;
      const at = this.next - this.windowStart;
      if (at + PAGE_HEADER > this.window.length) break;
      // A page start whose header does not name this page is not a page (overflow data):
      // skip it without waiting for the span its bytes would claim.
      if (u64(this.window, at) !== this.next / this.pageSize) {
        this.next += this.pageSize;
        continue;
      }
      const overflow = this.window.readUInt32LE(at + 12);
      const span = (overflow + 1) * this.pageSize;
      if (span <= MAX_SPAN && at + span > this.window.length && !final) break;
      if (span <= MAX_SPAN && at + span <= this.window.length) this.readPage(this.window.subarray(at, at + span), this.next / this.pageSize);
      // Every page start is read, even inside another page's overflow: a freed page's
      // stale header may claim pages that were reused since, and only the tree walk
      // knows which reading is live.
      this.next += this.pageSize;
    }
    // Bytes before the next page start are no longer needed.
    const done = Math.min(this.next - this.windowStart, this.window.length);
    if (done > 0) {
      this.window = this.window.subarray(done);
      this.windowStart += done;
    }
  }

  /** Page 0's meta gives the page size; until it has arrived nothing can be read. */
  private readFirstMeta(final: boolean): boolean {
    if (this.window.length < PAGE_HEADER + 64) {
      if (final) throw new BoltDamaged(`the database is ${this.received} bytes: too short for a bolt file`);
      return false;
    }
    const magic = this.window.readUInt32LE(PAGE_HEADER);
    if (magic !== MAGIC) throw new BoltDamaged('the first page is not a bolt meta page (wrong magic): this is not an etcd database');
    const pageSize = this.window.readUInt32LE(PAGE_HEADER + 8);
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw new BoltDamaged(`implausible bolt page size ${pageSize}`);
    this.pageSize = pageSize;
    return true;
  }

  private readPage(page: Buffer, pgid: number): void {
    if (u64(page, 0) !== pgid) return;
    const flags = page.readUInt16LE(8);
    const count = page.readUInt16LE(10);
    if (flags === META && pgid < 2) this.readMeta(page);
    else if (flags === BRANCH) this.readBranch(page, count, pgid);
    else if (flags === LEAF) {
      const leaf = readLeaf(this.pages, page, count);
      if (leaf !== undefined) this.pages.place(pgid, leaf);
    }
  }

  private readMeta(page: Buffer): void {
    const m = page.subarray(PAGE_HEADER, PAGE_HEADER + 64);
    if (m.readUInt32LE(0) !== MAGIC || m.readBigUInt64LE(56) !== fnv1a64(m.subarray(0, 56))) return;
    this.metas.push({
      pageSize: m.readUInt32LE(8),
      root: Number(m.readBigUInt64LE(16)),
      highWater: Number(m.readBigUInt64LE(40)),
      txid: m.readBigUInt64LE(48),
    });
  }

  private readBranch(page: Buffer, count: number, pgid: number): void {
    if (PAGE_HEADER + count * ELEMENT > page.length) return;
    const children: number[] = [];
    for (let i = 0; i < count; i++) children.push(u64(page, PAGE_HEADER + i * ELEMENT + 8));
    this.pages.place(pgid, this.pages.addBranch(children));
  }
}

/** Replays the "key" bucket's revisions in order: a put adds its key, a tombstone removes it. */
function countLiveKeys(pages: PageSummaries, leaves: readonly number[]): number {
  const live = new Set<number>();
  for (const leaf of leaves) {
    const start = pages.starts[leaf]!;
    if (start < 0) {
      if (pages.counts[leaf] === 0) continue;
      throw new BoltDamaged('the "key" bucket holds an entry that is not an etcd revision');
    }
    for (let i = start; i < start + pages.counts[leaf]!; i++) {
      const revision = pages.revisions[i]!;
      if (revision < 0) live.delete(-revision - 1);
      else live.add(revision);
    }
  }
  return live.size;
}

/**
 * A little-endian u64 as a number (exact below 2^53: page IDs), without the BigInt that
 * readBigUInt64LE allocates per call.
 */
function u64(bytes: Buffer, at: number): number {
  return bytes.readUInt32LE(at) + bytes.readUInt32LE(at + 4) * 2 ** 32;
}

/**
 * The user key's hash from the mvccpb.KeyValue in `page` from `start` to `end` (field 1,
 * length-delimited); -1 when absent. Read in place: a view per revision was most of what
 * this reader allocated.
 */
function userKeyHash(page: Buffer, start: number, end: number): number {
  if (end - start < 2 || page[start] !== 0x0a) return -1;
  let length = 0;
  let shift = 0;
  let at = start + 1;
  for (; at < end && at < start + 6; at++) {
    length += (page[at]! & 0x7f) * 2 ** shift;
    shift += 7;
    if ((page[at]! & 0x80) === 0) break;
  }
  at++;
  if (at + length > end) return -1;
  // Two 32-bit FNV-1a variants make 53 bits: a collision among a million keys is ~1 in 10^4.
  let a = 0x811c9dc5;
  let b = 0x2b5fa1d3;
  for (let i = at; i < at + length; i++) {
    a = Math.imul(a ^ page[i]!, 0x01000193);
    b = Math.imul(b ^ page[i]!, 0x01000193 ^ 0x5bd1e995);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

/** Summarises a leaf page's entries; undefined when its elements point outside it (not a live page). */
function readLeaf(pages: PageSummaries, page: Buffer, count: number): number | undefined {
  if (PAGE_HEADER + count * ELEMENT > page.length) return undefined;
  const buckets: BucketRef[] = [];
  let lastMain = Number.NaN;
  let revisions: number[] | undefined = count > 0 ? [] : undefined;
  for (let i = 0; i < count; i++) {
    const element = PAGE_HEADER + i * ELEMENT;
    const flags = page.readUInt32LE(element);
    const keyAt = element + page.readUInt32LE(element + 4);
    const keySize = page.readUInt32LE(element + 8);
    const valueSize = page.readUInt32LE(element + 12);
    if (keyAt + keySize + valueSize > page.length) return undefined;
    if (i === count - 1 && keySize >= 8) lastMain = page.readUInt32BE(keyAt) * 2 ** 32 + page.readUInt32BE(keyAt + 4);
    if (revisions !== undefined) {
      const revisionShaped = (keySize === 17 || keySize === 18) && page[keyAt + 8] === 0x5f && (flags & BUCKET_ENTRY) === 0;
      const hash = revisionShaped ? userKeyHash(page, keyAt + keySize, keyAt + keySize + valueSize) : -1;
      if (hash < 0) revisions = undefined;
      else revisions.push(keySize === 18 && page[keyAt + 17] === 0x74 ? -hash - 1 : hash);
    }
    if ((flags & BUCKET_ENTRY) === 0) continue;
    const value = page.subarray(keyAt + keySize, keyAt + keySize + valueSize);
    if (value.length < 16) return undefined;
    const name = page.subarray(keyAt, keyAt + keySize).toString('latin1');
    const root = Number(value.readBigUInt64LE(0));
    if (root !== 0) {
      buckets.push({ name, root });
      continue;
    }
    const inlinePage = value.subarray(16);
    const inline = inlinePage.length >= PAGE_HEADER ? readLeaf(pages, inlinePage, inlinePage.readUInt16LE(10)) : undefined;
    if (inline === undefined) return undefined;
    buckets.push({ name, root, inline });
  }
  return pages.addLeaf(count, lastMain, revisions, buckets);
}

/** FNV-1a, 64-bit: bolt's meta page checksum. */
function fnv1a64(bytes: Uint8Array): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash;
}
