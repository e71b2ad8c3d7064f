/** Where commands write results: JSON on stdout for machines, aligned text for people. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function printError(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Marks a check result the way people scan for it; colour only on a terminal. */
export function statusMark(status: 'pass' | 'fail' | 'skip', tty: boolean): string {
  const text = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' }[status];
  if (!tty) return text;
  const colour = { pass: 32, fail: 31, skip: 90 }[status];
  return `\u001b[${colour}m${text}\u001b[0m`;
}
