import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeMedia, mediaKindOf, sendableMediaType } from '../src/index.ts';

describe('media type of a campaign URL', () => {
  it('sends pictures as images, mp4 as video and the rest as documents', () => {
    assert.deepEqual(describeMedia('https://x.test/a/photo.JPG'), {
      kind: 'image',
      mimetype: 'image/jpeg',
      filename: 'photo.JPG',
    });
    assert.equal(describeMedia('https://x.test/clip.mp4?x=1').kind, 'video');
    assert.deepEqual(describeMedia('https://x.test/price%20list.xlsx'), {
      kind: 'file',
      mimetype: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      filename: 'price list.xlsx',
    });
    assert.deepEqual(describeMedia('https://x.test/download'), {
      kind: 'file',
      mimetype: 'application/octet-stream',
      filename: 'download',
    });
  });
});

describe('type of downloaded media', () => {
  it("takes the server's type when WhatsApp can send it, else the URL's extension", () => {
    assert.equal(sendableMediaType('https://x.test/a', 'image/png'), 'image/png');
    assert.equal(sendableMediaType('https://x.test/a.pdf', ''), 'application/pdf');
    assert.equal(
      sendableMediaType('https://x.test/a.jpg', 'application/octet-stream'),
      'image/jpeg',
    );
    assert.equal(sendableMediaType('https://x.test/a.jpg', 'text/html'), null);
    assert.equal(sendableMediaType('https://x.test/download', 'application/octet-stream'), null);
    assert.equal(mediaKindOf('video/mp4'), 'video');
    assert.equal(mediaKindOf('image/gif'), 'file');
  });
});
