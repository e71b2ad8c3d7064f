/**
 * The S3 credentials file (`s3.credentialsFile`), in any of the three forms people keep:
 * two lines (access key, then secret key); AWS's ini form (`aws_access_key_id = …`,
 * `aws_secret_access_key = …`, under a `[default]` section or none); or dotenv
 * (`AWS_ACCESS_KEY_ID=…`, `export` and quotes allowed). Parsed the same by `config check`
 * and by a run.
 */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The credentials, or the reason the text is not a credentials file. */
export function parseS3Credentials(text: string): S3Credentials | string {
  const field = (name: string) => new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=\\s*["']?([^"'\\s]+)["']?\\s*$`, 'mi').exec(text)?.[1];
  const named = { accessKeyId: field('aws_access_key_id'), secretAccessKey: field('aws_secret_access_key') };
  if (named.accessKeyId !== undefined && named.secretAccessKey !== undefined) return named as S3Credentials;
  if (named.accessKeyId !== undefined || named.secretAccessKey !== undefined) return `only one of aws_access_key_id and aws_secret_access_key is set`;
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 2 && !lines.some((l) => /[=\s[]/.test(l))) return { accessKeyId: lines[0]!, secretAccessKey: lines[1]! };
  return 'expected two lines (access key, secret key), aws_access_key_id / aws_secret_access_key (ini), or AWS_ACCESS_KEY_ID= / AWS_SECRET_ACCESS_KEY= (dotenv)';
}
