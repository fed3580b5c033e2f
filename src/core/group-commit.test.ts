import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGroupCommit } from './group-commit.ts';

/** A commit function that records each batch and finishes only when the test says so. */
function heldCommits() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const commit = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => releases.push(resolve));
    if (items.includes(-1) && items.length > 1) throw new Error('the batch holds a bad item');
    if (items.includes(-1)) throw new Error('bad item');
    return items.map((item) => item * 10);
  };
  return { batches, releases, commit };
}

describe('createGroupCommit', () => {
  it('commits a lone item at once, and what arrives meanwhile together in the next commit', async () => {
    const { batches, releases, commit } = heldCommits();
    const submit = createGroupCommit(commit);
    const first = submit(1);
    const rest = [2, 3, 4].map(submit);
    assert.deepEqual(batches, [[1]], 'the later items wait for the commit under way');
    let settled = false;
    void Promise.all(rest).then(() => (settled = true));
    releases[0]();
    assert.equal(await first, 10);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
    assert.equal(settled, false, 'no answer before its own commit');
    releases[1]();
    assert.deepEqual(await Promise.all(rest), [20, 30, 40]);
  });

  it('fails a bad item alone when a shared commit fails', async () => {
    const { batches, releases, commit } = heldCommits();
    const submit = createGroupCommit(commit);
    const first = submit(1);
    const [good, bad, other] = [2, -1, 3].map((item) => submit(item).then(String, (error: Error) => error.message));
    releases[0]();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    releases[1]();
    // The shared commit failed; each item is then committed by itself.
    await new Promise((resolve) => setImmediate(resolve));
    for (const release of releases.slice(2)) release();
    assert.deepEqual(await Promise.all([good, bad, other]), ['20', 'bad item', '30']);
    assert.deepEqual(batches, [[1], [2, -1, 3], [2], [-1], [3]]);
  });

  it('takes at most maxBatch items a commit, the rest in the next', async () => {
    const { batches, releases, commit } = heldCommits();
    const submit = createGroupCommit(commit, { maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map(submit);
    releases[0]();
    await new Promise((resolve) => setImmediate(resolve));
    releases[1]();
    await new Promise((resolve) => setImmediate(resolve));
    releases[2]();
    assert.deepEqual(await Promise.all(all), [10, 20, 30, 40, 50]);
    assert.deepEqual(batches, [[1], [2, 3], [4, 5]]);
  });

  it('with gatherFirst, lets the items submitted in the same turn of the event loop join the first commit', async () => {
    const { batches, releases, commit } = heldCommits();
    const submit = createGroupCommit(commit, { gatherFirst: true });
    const first = submit(1);
    assert.deepEqual(batches, [], 'nothing is committed before pending I/O has had its turn');
    const second = submit(2);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [[1, 2]]);
    releases[0]();
    assert.deepEqual(await Promise.all([first, second]), [10, 20]);
  });
});
