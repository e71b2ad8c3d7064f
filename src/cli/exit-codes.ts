/** The exit-status section every --help ends with; kept beside the codes it documents. */
import { ExitCode } from '../core/errors.ts';

export const EXIT_STATUS_HELP = `
Exit status:
  ${ExitCode.ok}    success
  ${ExitCode.failed}    failed (unreachable cluster or repository, a failed check, a failed run)
  ${ExitCode.usage}    usage or configuration error (nothing was attempted)
  ${ExitCode.partiallyFailed}    partially failed (the run finished; some items failed, see its report)
  ${ExitCode.interrupted}  interrupted (SIGINT/SIGTERM); what was already stored is intact`;
