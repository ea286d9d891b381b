/**
 * Column alignment with the semantics of Go's text/tabwriter (docker's fork,
 * which measures cells in terminal columns), for flags 0 and a space pad
 * character — what docker uses: NewWriter(out, 10, 1, 3, ' ', 0).
 *
 * Cells are tab-terminated; the last cell of a line is not part of a column
 * and is never padded. A column is a run of consecutive lines that all have
 * a tab-terminated cell at that index; its width is the widest cell + padding
 * (at least minwidth). A form feed ends all columns like a flush.
 */

export interface TabwriterOptions { minwidth: number; padding: number; padchar?: string }

export const DOCKER_TABWRITER: TabwriterOptions = { minwidth: 10, padding: 3, padchar: ' ' };

interface Cell { text: string; width: number }

function isZeroWidth(cp: number): boolean {
  return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x20d0 && cp <= 0x20ff) || cp === 0x2060 || cp === 0xfeff;
}

function isWide(cp: number): boolean {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
}

/** Display width in terminal columns (wide East Asian characters count 2). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (isZeroWidth(cp)) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

/** Align tab-separated text. */
export function tabwrite(text: string, opts: TabwriterOptions = DOCKER_TABWRITER): string {
  const pad = opts.padchar ?? ' ';
  let out = '';
  // A form feed acts as a newline that also terminates every column.
  const sections = text.split('\f');
  sections.forEach((section, si) => {
    const lines: Cell[][] = section.split('\n').map((l) => l.split(/[\t\v]/).map((t) => ({ text: t, width: displayWidth(t) })));
    const widths: number[] = [];
    const writeLines = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const line = lines[i]!;
        line.forEach((c, j) => {
          out += c.text;
          if (j < widths.length && j < line.length - 1) out += pad.repeat(Math.max(widths[j]! - c.width, 0));
        });
        if (i + 1 < lines.length) out += '\n';
      }
    };
    const format = (line0: number, line1: number): void => {
      const column = widths.length;
      for (let cur = line0; cur < line1; cur++) {
        if (column >= lines[cur]!.length - 1) continue;
        writeLines(line0, cur);
        line0 = cur;
        let width = opts.minwidth;
        for (; cur < line1; cur++) {
          const line = lines[cur]!;
          if (column >= line.length - 1) break;
          width = Math.max(width, line[column]!.width + opts.padding);
        }
        widths.push(width);
        format(line0, cur);
        widths.pop();
        line0 = cur;
      }
      writeLines(line0, line1);
    };
    format(0, lines.length);
    if (si + 1 < sections.length) out += '\n';
  });
  return out;
}
