import QRCode from 'qrcode';

/** The PNG WAHA serves for a QR value (it renders with the same library, as a data URL). */
export async function renderQrPng(value: string): Promise<Buffer> {
  const url = await QRCode.toDataURL(value);
  return Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64');
}
