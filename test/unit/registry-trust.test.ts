import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { CertsDirs, defaultCertsDirs, hostCertDir, readCertDir } from '../../src/core/registry/certsd';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-certsd-unit-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const pem = (kind: string, n: string) => `-----BEGIN ${kind}-----\n${n}\n-----END ${kind}-----\n`;
let n = 0;
function folder(files: Record<string, string>): string {
  const dir = path.join(tmp, `d${n++}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('certs.d lookup (containers-certs.d(5), dockerCertDir)', () => {
  it('defaults: the user folder, then /etc/containers/certs.d, then /etc/docker/certs.d', () => {
    assert.deepEqual(defaultCertsDirs({ HOME: '/home/u' }), ['/home/u/.config/containers/certs.d', '/etc/containers/certs.d', '/etc/docker/certs.d']);
  });

  it('the first root holding <host:port> wins; folders are not merged', () => {
    const user = path.join(tmp, 'user');
    const system = path.join(tmp, 'system');
    fs.mkdirSync(path.join(user, 'a.io:5000'), { recursive: true });
    fs.mkdirSync(path.join(system, 'a.io:5000'), { recursive: true });
    fs.mkdirSync(path.join(system, 'b.io'), { recursive: true });
    assert.equal(hostCertDir([user, system], 'a.io:5000'), path.join(user, 'a.io:5000'));
    assert.equal(hostCertDir([user, system], 'b.io'), path.join(system, 'b.io'));
    // host:port and host are different folders.
    assert.equal(hostCertDir([user, system], 'a.io'), undefined);
    assert.equal(hostCertDir([user, system], '../system/b.io'), undefined);
  });

  it('*.crt are CAs in name order; NAME.cert + NAME.key a client certificate; other files ignored', () => {
    const dir = folder({ 'b.crt': pem('CERTIFICATE', 'b'), 'a.crt': pem('CERTIFICATE', 'a'), 'client.cert': pem('CERTIFICATE', 'c'), 'client.key': pem('PRIVATE KEY', 'k'), 'README': 'x' });
    const trust = readCertDir(dir);
    assert.deepEqual(trust.ca, [pem('CERTIFICATE', 'a'), pem('CERTIFICATE', 'b')]);
    assert.equal(trust.cert, pem('CERTIFICATE', 'c'));
    assert.equal(trust.key, pem('PRIVATE KEY', 'k'));
  });

  it("an unpaired .cert or .key is containers/image's error", () => {
    assert.throws(() => readCertDir(folder({ 'c.cert': pem('CERTIFICATE', 'c') })), /missing key c\.key for client certificate c\.cert\. CA certificates should use the extension \.crt/);
    assert.throws(() => readCertDir(folder({ 'c.key': pem('PRIVATE KEY', 'k') })), /missing client certificate c\.cert for key c\.key/);
    assert.throws(() => readCertDir(folder({ 'c.cert': 'nope', 'c.key': pem('PRIVATE KEY', 'k') })), /c\.cert: is not a PEM certificate/);
  });

  it('a dangling .crt link is skipped', () => {
    const dir = folder({ 'ok.crt': pem('CERTIFICATE', 'ok') });
    fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling.crt'));
    assert.deepEqual(readCertDir(dir).ca, [pem('CERTIFICATE', 'ok')]);
  });

  it('CertsDirs looks a registry up once', () => {
    const root = path.join(tmp, 'cached');
    fs.mkdirSync(path.join(root, 'r.io'), { recursive: true });
    fs.writeFileSync(path.join(root, 'r.io', 'ca.crt'), pem('CERTIFICATE', 'r'));
    const dirs = new CertsDirs([root]);
    assert.equal(dirs.forRegistry('r.io')?.ca.length, 1);
    fs.writeFileSync(path.join(root, 'r.io', 'second.crt'), pem('CERTIFICATE', 's'));
    assert.equal(dirs.forRegistry('r.io')?.ca.length, 1);
    assert.equal(dirs.forRegistry('other.io'), undefined);
  });
});
