/**
 * Lines of aligned columns under a header, for `list-*` output. Empty cells show as `-`, so a
 * blank cell never reads as the next column shifted left.
 */
export function formatColumns(header: string[], rows: string[][]): string {
  const lines = [header, ...rows.map((row) => row.map((cell) => cell || '-'))];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => line[column].length)));
  return lines
    .map((line) =>
      line
        .map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}
