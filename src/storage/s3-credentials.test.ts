import { describe, expect, it } from 'vitest';
import { parseS3Credentials } from './s3-credentials.ts';

const keys = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's3cr3t/Key+1' };

describe('S3 credentials file', () => {
  it('reads two lines, the ini form and the dotenv form alike', () => {
    expect(parseS3Credentials('AKIAEXAMPLE\ns3cr3t/Key+1\n')).toEqual(keys);
    expect(parseS3Credentials('[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t/Key+1\n')).toEqual(keys);
    expect(parseS3Credentials('# for strata\nAWS_ACCESS_KEY_ID=AKIAEXAMPLE\nexport AWS_SECRET_ACCESS_KEY="s3cr3t/Key+1"\n')).toEqual(keys);
  });

  it('says what is wrong otherwise', () => {
    expect(parseS3Credentials('AWS_ACCESS_KEY_ID=AKIAEXAMPLE\n')).toBe('only one of aws_access_key_id and aws_secret_access_key is set');
    expect(parseS3Credentials('just one line\n')).toMatch(/^expected two lines/);
    expect(parseS3Credentials('')).toMatch(/^expected two lines/);
  });
});
