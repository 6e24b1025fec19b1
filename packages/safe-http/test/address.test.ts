import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkUrl, classifyAddress, createHostPolicy, SafeHttpError } from '../src/index.ts';

describe('classifyAddress', () => {
  const cases: [string, string | null][] = [
    ['127.0.0.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['2130706433', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['0', 'unspecified'],
    ['0.0.0.0', 'unspecified'],
    ['10.0.0.5', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.100.100.200', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['fd00:ec2::254', 'metadata'],
    ['fc00::1', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['example.com', null],
  ];
  for (const [host, expected] of cases) {
    it(`classifies ${host} as ${expected}`, () => {
      assert.equal(classifyAddress(host), expected);
    });
  }
});

describe('checkUrl', () => {
  const policy = createHostPolicy(['media.internal', '10.1.2.3']);
  const refused = (url: string, code: string) =>
    assert.throws(
      () => checkUrl(url, policy),
      (e: unknown) => e instanceof SafeHttpError && e.code === code,
      url,
    );

  it('refuses internal addresses in every spelling', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://127.0.0.1:5432/',
      'http://[::1]:8700/api/admin/metrics',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://10.0.0.5/',
      'http://[::ffff:127.0.0.1]/',
      'https://[fd00:ec2::254]/',
    ]) {
      refused(url, 'BLOCKED_ADDRESS');
    }
  });

  it('refuses user info, other schemes and junk', () => {
    refused('http://user:pw@127.0.0.1/', 'INVALID_URL');
    refused('http://user@example.com/', 'INVALID_URL');
    refused('file:///etc/passwd', 'INVALID_URL');
    refused('gopher://example.com/', 'INVALID_URL');
    refused('not a url', 'INVALID_URL');
  });

  it('accepts public hosts and the hosts an admin allowed', () => {
    assert.equal(checkUrl('https://example.com/a.png', policy).hostname, 'example.com');
    assert.equal(checkUrl('http://MEDIA.internal/a.png', policy).hostname, 'media.internal');
    assert.equal(checkUrl('http://0x0a010203/a.png', policy).hostname, '10.1.2.3');
  });
});
