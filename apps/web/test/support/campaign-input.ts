/** 50 recipients with a `name` column, as a spreadsheet would export them. */
export function recipientsCsv(count = 50): Buffer {
  const rows = ['phone,name'];
  for (let i = 1; i <= count; i += 1)
    rows.push(`+216 98 ${String(100_000 + i).slice(1, 4)} ${String(i).padStart(3, '0')},Name ${i}`);
  return Buffer.from(`${rows.join('\n')}\n`);
}
