/** Runs `task` over `items`, at most `limit` at once (batch after batch, in order). */
export async function inBatches<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  for (let start = 0; start < items.length; start += limit) {
    await Promise.all(items.slice(start, start + limit).map((item, k) => task(item, start + k)));
  }
}
