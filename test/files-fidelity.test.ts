/**
 * What a file system holds beyond plain UTF-8 files: names and link targets that are bytes,
 * nanosecond times, FIFOs, device nodes and sockets. Compared with `stat` itself.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from './helpers/repo.ts';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const under = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name]);

/** Every entry below `root` as `stat` prints it: relative name (bytes, hex), type, mtime to the ns, mode, size. */
function statLines(root: string): string[] {
  const out = execFileSync('find', ['.', '-mindepth', '1', '-exec', 'stat', '--printf', '%n\\0%F\\0%y\\0%a\\0%s\\0%t:%T\\n', '{}', '+'], { cwd: root });
  return out
    .toString('latin1')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name, type, mtime, mode, size, device] = line.split('\0');
      // A directory's size depends on the file system's history, not on its content.
      return [Buffer.from(name!, 'latin1').toString('hex'), type, mtime, mode, type === 'directory' ? '-' : size, device].join(' ');
    })
    .sort();
}

/**
 * Gives every entry below `root` its own nanosecond time, children before their directory
 * (writing into a directory moves its time). The shell passes names as bytes; Node's argv cannot.
 */
function stampTimes(root: string): void {
  const script = `i=0; find . -mindepth 1 -depth -print0 | while IFS= read -r -d '' f; do i=$((i+1)); touch -h -d "@$((1683356890 + i)).$(printf %09d $((123456789 + i * 7919)))" "$f"; done`;
  execFileSync('bash', ['-c', script], { cwd: root });
}

describe('files fidelity', () => {
  it('keeps names and link targets as bytes, times to the nanosecond, FIFOs and devices; skips sockets with a warning', async () => {
    const s = scratch();
    const source = join(s.dir, 'source');
    mkdirSync(source);
    writeFileSync(join(source, 'plain.txt'), 'plain');
    writeFileSync(under(source, bytes('caf\xe9.txt')), 'latin-1 name');
    const odd = under(source, bytes('dir-\xff\xfe'));
    mkdirSync(odd);
    writeFileSync(Buffer.concat([odd, Buffer.from('/inside.txt')]), 'inside an undecodable directory');
    mkdirSync(Buffer.concat([odd, bytes('/sub-\x80')]));
    symlinkSync(bytes('caf\xe9.txt'), under(source, bytes('link-\xe9')));
    symlinkSync(bytes('nowhere-\xfe'), join(source, 'dangling-link'));
    execFileSync('mkfifo', [join(source, 'pipe')]);
    execFileSync('mknod', [join(source, 'null-device'), 'c', '1', '3']);
    const socketPath = join(source, 'listening.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    stampTimes(source);
    const expected = statLines(source).filter((line) => !line.includes(' socket '));

    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const backup = await s.ok(['backup', '--repo', repo, '--files', source, '--json']);
    server.close();
    const snapshot = JSON.parse(backup.stdout) as { id: string; result: string; warnings: string[]; summary: { specials: number } };
    expect(snapshot.result).toBe('completed');
    expect(snapshot.summary.specials).toBe(2);
    expect(snapshot.warnings).toEqual([`${socketPath}: socket skipped (it is recreated by the program that listens on it)`]);

    const target = join(s.dir, 'restore');
    const restore = await s.ok(['restore', snapshot.id, '--repo', repo, '--target', target]);
    expect(restore.stdout).toContain('2 special files');
    const restored = join(target, 'files', source);
    expect(statLines(restored)).toEqual(expected);
    expect(readlinkSync(under(restored, bytes('link-\xe9')), { encoding: 'buffer' })).toEqual(bytes('caf\xe9.txt'));
    expect(readlinkSync(join(restored, 'dangling-link'), { encoding: 'buffer' })).toEqual(bytes('nowhere-\xfe'));
    // `ls` shows an undecodable byte as \xNN.
    const listed = await s.ok(['ls', snapshot.id, '--repo', repo]);
    expect(listed.stdout).toContain('dir-\\xff\\xfe/inside.txt');

    // An incremental backup finds every byte-named entry unchanged.
    const again = JSON.parse((await s.ok(['backup', '--repo', repo, '--files', source, '--json'])).stdout) as { summary: { newBytes: number } };
    expect(again.summary.newBytes).toBeLessThan(4096);
  });

  it('gives every file its owner, group, mode and set-ID bits, also below a set-group-ID directory of another group', async () => {
    const s = scratch();
    const source = join(s.dir, 'owners');
    mkdirSync(source);
    const files: [string, number, number, number][] = [
      ['root-0644', 0o644, 0, 0], ['root-0600', 0o600, 0, 0], ['root-0755', 0o755, 0, 0], ['root-0666', 0o666, 0, 0],
      ['user-0640', 0o640, 1234, 5678], ['group-only-0644', 0o644, 0, 5678], ['setuid-4755', 0o4755, 0, 0],
      ['setgid-2755', 0o2755, 1234, 5678], ['sticky-1644', 0o1644, 0, 0],
    ];
    for (const [name, mode, uid, gid] of files) {
      writeFileSync(join(source, name), name);
      chownSync(join(source, name), uid, gid);
      chmodSync(join(source, name), mode);
    }
    const owners = (root: string) => execFileSync('stat', ['--printf', '%n %a %u %g\n', ...files.map(([name]) => name)], { cwd: root, encoding: 'utf8' });
    const expected = owners(source);
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const snapshot = (JSON.parse((await s.ok(['backup', '--repo', repo, '--files', source, '--json'])).stdout) as { id: string }).id;
    // New files below a set-group-ID directory take its group unless given theirs.
    const shared = join(s.dir, 'shared');
    mkdirSync(shared);
    chownSync(shared, 0, 4321);
    chmodSync(shared, 0o2775);
    for (const target of [join(s.dir, 'plain'), join(shared, 'restore')]) {
      await s.ok(['restore', snapshot, '--repo', repo, '--target', target]);
      expect(owners(join(target, 'files', source))).toBe(expected);
    }
  });

  it('names a file it cannot write and restores the others (exit 3)', async () => {
    const s = scratch();
    const source = join(s.dir, 'few');
    mkdirSync(source);
    for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(source, name), `content of ${name}`);
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const snapshot = (JSON.parse((await s.ok(['backup', '--repo', repo, '--files', source, '--json'])).stdout) as { id: string }).id;
    // A directory with something in it where b.txt goes: a restore replaces files, never a directory's content.
    const target = join(s.dir, 'restore');
    mkdirSync(join(target, 'files', source, 'b.txt', 'keep'), { recursive: true });
    const restore = await s.run(['restore', snapshot, '--repo', repo, '--target', target]);
    expect(restore.code).toBe(3);
    expect(restore.stderr).toContain(`${source}/b.txt`);
    expect(readFileSync(join(target, 'files', source, 'a.txt'), 'utf8')).toBe('content of a.txt');
    expect(readFileSync(join(target, 'files', source, 'c.txt'), 'utf8')).toBe('content of c.txt');
    expect(existsSync(join(target, 'files', source, 'b.txt', 'keep'))).toBe(true);
  });

  it('says what it kept when a lone special file is backed up', async () => {
    const s = scratch();
    const fifo = join(s.dir, 'lone-fifo');
    execFileSync('mkfifo', [fifo]);
    const repo = join(s.dir, 'repo');
    await s.ok(['init', '--repo', repo]);
    const backup = await s.ok(['backup', '--repo', repo, '--files', fifo]);
    expect(backup.stdout).toMatch(/saved: 0 files, \d+ dirs, 1 special files/);
  });
});
