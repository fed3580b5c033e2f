export interface GroupCommitOptions {
  /** The most items one commit takes. */
  maxBatch?: number;
  /**
   * Waits for the event loop's pending I/O before each commit, so the requests already read join
   * it. For a driver that commits synchronously (better-sqlite3), where the event loop is blocked
   * while a commit runs and nothing could arrive meanwhile to share the next one.
   */
  gatherFirst?: boolean;
}

/**
 * Batches concurrent writes into shared commits: items submitted while a commit is under way
 * wait and go together into the next one, so under load many share one fsync, and alone an
 * item commits at once (no timer, no added latency). Each submitter's promise settles only
 * after the commit holding its item; when a shared commit fails, its items are committed one by
 * one, so a bad item fails alone. A commit takes at most `maxBatch` items (a statement's bound
 * parameters are limited), the rest go into the next. Hand-written because batching libraries
 * (DataLoader and the like) batch per event-loop tick for reads, not per commit in flight.
 */
export function createGroupCommit<Item, Result>(
  commit: (items: Item[]) => Promise<Result[]>,
  options: GroupCommitOptions = {},
): (item: Item) => Promise<Result> {
  const { maxBatch = Number.POSITIVE_INFINITY, gatherFirst = false } = options;
  let waiting: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  let committing = false;

  type Waiting = (typeof waiting)[number];

  function commitAlone(entry: Waiting): Promise<void> {
    return commit([entry.item]).then(([result]) => entry.resolve(result), entry.reject);
  }

  async function drain(): Promise<void> {
    committing = true;
    while (waiting.length > 0) {
      if (gatherFirst) await new Promise((resolve) => setImmediate(resolve));
      const batch = waiting.length > maxBatch ? waiting.splice(0, maxBatch) : waiting;
      if (batch === waiting) waiting = [];
      try {
        const results = await commit(batch.map((entry) => entry.item));
        for (const [index, entry] of batch.entries()) entry.resolve(results[index]);
      } catch (error) {
        if (batch.length === 1) batch[0].reject(error);
        else await Promise.all(batch.map(commitAlone));
      }
    }
    committing = false;
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!committing) void drain();
    });
}
