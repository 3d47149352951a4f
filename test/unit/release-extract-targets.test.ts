import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import {
  commandOsValues,
  type ExtractCommandName,
  hostCommandPlatform,
  parseCommandOs,
  selectTarget,
  targetFileName,
  targetPlatform,
} from '../../src/core/release/extractTargets';

describe('release extract: the host and --command-os in oc\'s names', () => {
  it('maps Node\'s platform and arch to Go\'s GOOS/GOARCH', () => {
    assert.deepEqual(hostCommandPlatform('linux', 'x64'), { os: 'linux', arch: 'amd64' });
    assert.deepEqual(hostCommandPlatform('darwin', 'arm64'), { os: 'darwin', arch: 'arm64' });
    assert.deepEqual(hostCommandPlatform('darwin', 'x64'), { os: 'darwin', arch: 'amd64' });
    assert.deepEqual(hostCommandPlatform('win32', 'x64'), { os: 'windows', arch: 'amd64' });
    assert.deepEqual(hostCommandPlatform('win32', 'ia32'), { os: 'windows', arch: '386' });
    assert.deepEqual(hostCommandPlatform('linux', 'ppc64', 'LE'), { os: 'linux', arch: 'ppc64le' });
    assert.deepEqual(hostCommandPlatform('linux', 'ppc64', 'BE'), { os: 'linux', arch: 'ppc64' });
    assert.deepEqual(hostCommandPlatform('linux', 's390x'), { os: 'linux', arch: 's390x' });
    assert.deepEqual(hostCommandPlatform('freebsd', 'x64'), { os: 'freebsd', arch: 'amd64' });
  });

  it('reads --command-os as oc does: absent is the host, an OS alone is OS/amd64, mac is darwin', () => {
    const host = { os: 'linux', arch: 'arm64' };
    assert.deepEqual(parseCommandOs(undefined, host), host);
    assert.deepEqual(parseCommandOs('linux', host), { os: 'linux', arch: 'amd64' }, 'amd64, not the host arch, as oc');
    assert.deepEqual(parseCommandOs('mac', host), { os: 'darwin', arch: 'amd64' });
    assert.deepEqual(parseCommandOs('darwin', host), { os: 'darwin', arch: 'amd64' });
    assert.deepEqual(parseCommandOs('mac/arm64', host), { os: 'darwin', arch: 'arm64' });
    assert.deepEqual(parseCommandOs('windows', host), { os: 'windows', arch: 'amd64' });
    assert.deepEqual(parseCommandOs('linux/arm64', host), { os: 'linux', arch: 'arm64' });
    assert.deepEqual(parseCommandOs('linux/ppc64le', host), { os: 'linux', arch: 'ppc64le' });
  });

  it('refuses * (oc\'s archives) and values that are not OS or OS/ARCH', () => {
    assert.throws(() => parseCommandOs('*'), (err: OkdError) => err.kind === 'unsupported' && /archives/.test(err.message));
    for (const bad of ['mac-arm64', 'linux/arm64/v8', '', 'Linux', 'linux/']) {
      assert.throws(() => parseCommandOs(bad), (err: OkdError) => err.kind === 'invalid-input', bad);
    }
  });

  it('lists the values each command has targets for', () => {
    assert.deepEqual(commandOsValues('oc'), ['mac', 'mac/arm64', 'linux', 'linux/arm64', 'linux/ppc64le', 'windows']);
    assert.deepEqual(commandOsValues('openshift-install'), ['mac', 'mac/arm64', 'linux', 'linux/arm64']);
  });
});

describe('release extract: which image and file oc takes for a platform', () => {
  const pick = (command: ExtractCommandName, os: string, arch: string, releaseArch = 'amd64') => {
    const t = selectTarget(command, { os, arch }, releaseArch);
    return t ? `${t.image}:${t.path}` : undefined;
  };

  it('oc: linux on the payload\'s architecture from cli, everything else from cli-artifacts', () => {
    assert.equal(pick('oc', 'linux', 'amd64'), 'cli:usr/bin/oc');
    assert.equal(pick('oc', 'linux', 'arm64'), 'cli-artifacts:usr/share/openshift/linux_arm64/oc');
    assert.equal(pick('oc', 'linux', 'ppc64le'), 'cli-artifacts:usr/share/openshift/linux_ppc64le/oc');
    assert.equal(pick('oc', 'darwin', 'amd64'), 'cli-artifacts:usr/share/openshift/mac/oc');
    assert.equal(pick('oc', 'darwin', 'arm64'), 'cli-artifacts:usr/share/openshift/mac_arm64/oc');
    assert.equal(pick('oc', 'windows', 'amd64'), 'cli-artifacts:usr/share/openshift/windows/oc.exe');
    assert.equal(pick('oc', 'windows', 'arm64'), undefined);
    assert.equal(pick('oc', 'linux', 's390x'), undefined);
  });

  it('an arm64 payload: linux/arm64 is its cli image, linux/amd64 comes from cli-artifacts', () => {
    assert.equal(pick('oc', 'linux', 'arm64', 'arm64'), 'cli:usr/bin/oc');
    assert.equal(pick('oc', 'linux', 'amd64', 'arm64'), 'cli-artifacts:usr/share/openshift/linux_amd64/oc');
    assert.equal(pick('oc', 'linux', 's390x', 's390x'), 'cli:usr/bin/oc', 'only the payload\'s own image serves other arches');
    assert.equal(pick('openshift-install', 'linux', 'arm64', 'arm64'), 'installer:usr/bin/openshift-install');
    assert.equal(pick('openshift-install', 'linux', 'amd64', 'arm64'), 'installer-artifacts:usr/share/openshift/linux_amd64/openshift-install');
  });

  it('openshift-install: installer for linux, installer-artifacts for mac, none for windows or ppc64le from artifacts', () => {
    assert.equal(pick('openshift-install', 'linux', 'amd64'), 'installer:usr/bin/openshift-install');
    assert.equal(pick('openshift-install', 'linux', 'arm64'), 'installer-artifacts:usr/share/openshift/linux_arm64/openshift-install');
    assert.equal(pick('openshift-install', 'darwin', 'amd64'), 'installer-artifacts:usr/share/openshift/mac/openshift-install');
    assert.equal(pick('openshift-install', 'darwin', 'arm64'), 'installer-artifacts:usr/share/openshift/mac_arm64/openshift-install');
    assert.equal(pick('openshift-install', 'windows', 'amd64'), undefined);
    assert.equal(pick('openshift-install', 'linux', 'ppc64le'), undefined);
    assert.equal(pick('openshift-install', 'linux', 'ppc64le', 'ppc64le'), 'installer:usr/bin/openshift-install');
  });

  it('names the file (oc.exe for Windows) and the platform with the payload arch put in', () => {
    const win = selectTarget('oc', { os: 'windows', arch: 'amd64' }, 'amd64');
    const linux = selectTarget('oc', { os: 'linux', arch: 'arm64' }, 'arm64');
    assert.ok(win && linux);
    assert.equal(targetFileName(win), 'oc.exe');
    assert.equal(targetFileName(linux), 'oc');
    assert.deepEqual(targetPlatform(linux, 'arm64'), { os: 'linux', arch: 'arm64' });
  });
});
