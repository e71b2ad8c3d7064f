/**
 * The user name recorded in keys, locks, snapshots and holds. In a container the process
 * often runs as a UID with no passwd entry (the image's 65532), where os.userInfo() throws:
 * then the name is $USER, or "uid:N".
 */
import { userInfo } from 'node:os';

export function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] || `uid:${process.getuid?.() ?? '?'}`;
  }
}
