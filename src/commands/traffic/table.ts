/**
 * `traffic inspect`'s own `-o table` / `-o wide`: the flow table fitted to the terminal (endpoint names cut with '…'
 * when it is narrow; reasons, interfaces, sessions and Hubble directions only in `-o wide`), the encrypted column coloured on a terminal (green encrypted,
 * red an inter-node pod flow left in plaintext, yellow other plaintext), and a summary line under it. The same for
 * `--hubble` results.
 */
import type { TableTerm } from '../command.js';
import { flowTable, summaryLine } from '../../fabric/report.js';
import type { ReportSummary } from '../../fabric/types.js';
import { hubbleTable, isHubbleResult } from './insight-flags.js';

export function inspectTableText(result: unknown, term: TableTerm): string {
  const r = result as { summary?: ReportSummary };
  let rows = (isHubbleResult(result) ? hubbleTable(result) : flowTable(result)) as Record<string, unknown>[];
  // the default fits 80 columns: the reasons, interfaces, sessions and directions are in -o wide
  if (!term.wide) rows = rows.map(({ Reason: _r, Interface: _i, Session: _s, Direction: _d, ...rest }) => rest);
  const { chalk } = term;
  const table = term.fit(rows, {
    shrink: ['Destination', 'Source'],
    style: (column, value, row) => {
      if (column === 'Encrypted') return value === 'yes' ? chalk.green : row['Path'] === 'inter-node' ? chalk.red : chalk.yellow;
      if (column === 'Verdict' && /DROPPED/.test(value)) return chalk.red;
      return undefined;
    },
  });
  return r.summary ? `${table}${table ? '\n' : ''}${wrap(summaryLine(r.summary), term.columns)}\n` : table;
}

/** Wrap text at spaces to a terminal's width (no limit when undefined). */
function wrap(text: string, columns: number | undefined): string {
  if (columns === undefined || text.length <= columns) return text;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
