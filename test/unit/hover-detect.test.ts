import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectPullspec, findPullspecs } from '../../src/core/hover/detect';
import { formatPullspec } from '../../src/core/pullspec';

const D = 'sha256:ad3510986668d0dadbbd1381ab9f9f668629ca5b679d7c355060eaef1cacb653';
const D2 = 'sha256:54446b5bcbd5ec702cfa659230d2228932dfca37bd1cb5fe49cdd9ba869f9329';
const ART = `quay.io/openshift-release-dev/ocp-v4.0-art-dev@${D}`;

/**
 * [line, the pullspecs in it as written, left to right]. Lines are real shapes: operator manifests and Dockerfiles of
 * openshift repos, `oc adm release info` output, image-references JSON, Go and Makefiles of operator repos, Markdown.
 */
const table: [string, string[]][] = [
  // YAML: Deployments, env, args, image-references
  ['        image: quay.io/openshift/origin-cluster-monitoring-operator:latest', ['quay.io/openshift/origin-cluster-monitoring-operator:latest']],
  ['      - image: docker.io/openshift/origin-cluster-image-registry-operator:latest', ['docker.io/openshift/origin-cluster-image-registry-operator:latest']],
  [`    image: "${ART}"`, [ART]],
  [`    image: '127.0.0.1:5000/okd/release:4.1'`, ['127.0.0.1:5000/okd/release:4.1']],
  ['          value: localhost:5000/x', ['localhost:5000/x']],
  ['        - "-images=prometheus-operator=quay.io/openshift/origin-prometheus-operator:latest"', ['quay.io/openshift/origin-prometheus-operator:latest']],
  ['      #   image: registry.redhat.io/ubi9/ubi:latest  # Full UBI9 with dnf package manager', ['registry.redhat.io/ubi9/ubi:latest']],
  ['      #   # TODO: Replace with your debug tools image at quay.io/openshift/[debug-image-name]:latest', []],
  ['apiVersion: apps/v1', []],
  ['kind: Deployment', []],
  ['  namespace: openshift-image-registry', []],
  ['    release.openshift.io/create-only: "true"', []],
  ['    include.release.openshift.io/self-managed-high-availability: "true"', []],
  ['  version: 4.19.0-okd-scos.16', []],
  ['      name: quay.io/openshift/origin-cluster-image-registry-operator', ['quay.io/openshift/origin-cluster-image-registry-operator']],
  [`  desiredUpdate: {image: quay.io/okd/scos-release@${D2}, version: 4.19.0-okd-scos.16}`, [`quay.io/okd/scos-release@${D2}`]],
  ['        - --tls-cert-file=/etc/secrets/tls.crt', []],
  ['        - mountPath: /var/run/secrets/kubernetes.io/serviceaccount', []],
  // JSON: image-references and release controller answers
  [`          "name": "${ART}"`, [ART]],
  ['          "io.openshift.build.source-location": "https://github.com/openshift/cloud-provider-aws"', []],
  ['  "pullSpec": "registry.ci.openshift.org/ocp/release:4.11.0-0.nightly-2022-06-06-201913",', ['registry.ci.openshift.org/ocp/release:4.11.0-0.nightly-2022-06-06-201913']],
  ['  "downloadURL": "https://openshift-release-artifacts.apps.ci.l2s4.p1.openshiftapps.com/4.11.15"', []],
  ['{"kind":"cincinnati-metadata-v0","version":"4.1.0","previous":[],"metadata":{"url":"https://access.redhat.com/errata/RHBA-2019:1234"}}', []],
  // Dockerfiles
  ['FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-4.17 AS builder', ['registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-4.17']],
  ['FROM registry.ci.openshift.org/origin/scos-4.19:base-stream9', ['registry.ci.openshift.org/origin/scos-4.19:base-stream9']],
  ['COPY --from=builder /go/src/github.com/openshift/cluster-image-registry-operator/tmp/_output/bin/cluster-image-registry-operator /usr/bin/', []],
  ['COPY manifests/image-references manifests/0* /manifests/', []],
  ['LABEL io.openshift.release.operator=true', []],
  ['ARG BASE_IMAGE=quay.io/centos/centos:stream9', ['quay.io/centos/centos:stream9']],
  ['FROM golang:1.21 AS build', []],
  [`FROM busybox@${D}`, [`busybox@${D}`]],
  // Go
  ['\t"github.com/openshift/api/config/v1"', []],
  ['\tconfigv1 "github.com/openshift/api/config/v1"', []],
  ['\t"k8s.io/apimachinery/pkg/apis/meta/v1"', []],
  ['const defaultImage = "quay.io/openshift/origin-cli:v4.0"', ['quay.io/openshift/origin-cli:v4.0']],
  ['\treleaseImage := fmt.Sprintf("%s/%s:%s", registry, repo, tag)', []],
  ['\t// see https://github.com/openshift/oc/blob/master/pkg/cli/admin/release/info.go#L120', []],
  ['require github.com/openshift/client-go v0.0.0-20240528061634-b054aa794d87', []],
  ['\tgo get k8s.io/client-go@v0.28.0', []],
  // Makefiles and shell
  ['IMAGE ?= quay.io/openshift/origin-cluster-image-registry-operator:latest', ['quay.io/openshift/origin-cluster-image-registry-operator:latest']],
  ['IMG ?= $(REGISTRY)/cluster-monitoring-operator:$(TAG)', []],
  ['\tpodman push --tls-verify=false localhost:5000/okd/cluster-image-registry-operator:dev', ['localhost:5000/okd/cluster-image-registry-operator:dev']],
  ['\tskopeo copy docker://quay.io/okd/scos-release:4.19.0-okd-scos.0 dir:/tmp/release', ['quay.io/okd/scos-release:4.19.0-okd-scos.0']],
  ['\toc adm release new --from-release=quay.io/okd/scos-release:4.19.0-okd-scos.0 cluster-image-registry-operator=quay.io/me/cirop@' + D + ' --to-image=quay.io/me/release:test', ['quay.io/okd/scos-release:4.19.0-okd-scos.0', `quay.io/me/cirop@${D}`, 'quay.io/me/release:test']],
  ['\tcurl -sSf http://127.0.0.1:5000/v2/okd/release/tags/list', []],
  ['export KUBECONFIG=/home/dev/.kube/config', []],
  // Markdown and plain text
  ['$ oc adm release info registry.ci.openshift.org/origin/release:4.4', ['registry.ci.openshift.org/origin/release:4.4']],
  [`Pull From: registry.ci.openshift.org/origin/release@${D2}`, [`registry.ci.openshift.org/origin/release@${D2}`]],
  ['  prometheus                                     registry.ci.openshift.org/origin/4.4-2020-04-14-172428@sha256:5af0373659974782379d90d9a174352dd8f85cb7327cc48ef36cae4e8ba5903f', ['registry.ci.openshift.org/origin/4.4-2020-04-14-172428@sha256:5af0373659974782379d90d9a174352dd8f85cb7327cc48ef36cae4e8ba5903f']],
  ['Run `oc adm upgrade --to-image=quay.io/okd/scos-release:4.19.0-okd-scos.16 --allow-explicit-upgrade`.', ['quay.io/okd/scos-release:4.19.0-okd-scos.16']],
  ['and create a new release image `quay.io/vrutkovs/okd-release:4.4`. The new release image would use', ['quay.io/vrutkovs/okd-release:4.4']],
  ['Pull quay.io/okd/scos-release:4.19.0-okd-scos.0.', ['quay.io/okd/scos-release:4.19.0-okd-scos.0']],
  ['[Github releases](https://github.com/openshift/okd/releases) or [mirrors](https://mirror.openshift.com/pub/openshift-v4/clients/oc/)', []],
  ['See [the image](https://quay.io/repository/okd/scos-release?tab=tags) for tags.', []],
  ['Mail okd-wg@lists.openshift.io or user@example.com:8080/x for help.', []],
  ['Files: docs/ARCHITECTURE.md, src/core/pullspec.ts:42, ./hack/build.sh and /usr/bin/openshift-install', []],
  ['Versions 4.10.0, 4.19.0-okd-scos.0 and release-4.10/foo:bar are not pullspecs, nor is 12:30:45.', []],
  ['git@github.com:openshift/cluster-image-registry-operator.git', []],
  ['The web site example.com/foo has no tag, github.com/openshift/okd:main is a repo.', []],
  ['registry.example.com:5000/team/operator is local, myregistry.internal:443/a/b:1 too', ['registry.example.com:5000/team/operator', 'myregistry.internal:443/a/b:1']],
  ['gcr.io/distroless/static and ghcr.io/openshift/x without tags are known registries', ['gcr.io/distroless/static', 'ghcr.io/openshift/x']],
  [`quay.io/okd/scos-content:4.19@${D} has both`, [`quay.io/okd/scos-content:4.19@${D}`]],
  ['Upper case Quay.io/OKD/Release:1 is not valid', []],
];

describe('detectPullspec: real-world lines', () => {
  for (const [line, expected] of table) {
    it(`${expected.length ? 'finds' : 'finds nothing in'}: ${line.trim().slice(0, 90)}`, () => {
      assert.deepEqual(
        findPullspecs(line).map((d) => d.text),
        expected,
      );
      let from = 0;
      for (const text of expected) {
        const start = line.indexOf(text, from);
        from = start + text.length;
        // First, middle and last character of the pullspec all find the same one.
        for (const at of [start, start + Math.floor(text.length / 2), start + text.length - 1]) {
          const d = detectPullspec(line, at);
          assert.ok(d, `nothing at ${at} in ${line}`);
          assert.equal(d.text, text);
          assert.equal(d.start, start);
          assert.equal(d.end, start + text.length);
          assert.equal(line.slice(d.start, d.end), d.text);
        }
        // Just outside it: nothing, or another pullspec.
        assert.notEqual(detectPullspec(line, start + text.length)?.text, text);
        assert.notEqual(detectPullspec(line, start - 1)?.text, text);
      }
      if (expected.length === 0) {
        for (let at = 0; at < line.length; at++) assert.equal(detectPullspec(line, at), undefined, `matched at ${at}`);
      }
    });
  }
  assert.ok(table.length >= 40);
});

describe('detectPullspec: parsed pullspec', () => {
  it('keeps registry port, tag and digest', () => {
    const d = detectPullspec(`x 127.0.0.1:5000/okd/release:4.1@${D} y`, 5);
    assert.deepEqual(d?.pullspec, { registry: '127.0.0.1:5000', repository: 'okd/release', tag: '4.1', digest: D });
  });

  it('normalises docker.io short forms with a digest', () => {
    const d = detectPullspec(`FROM busybox@${D}`, 6);
    assert.equal(d && formatPullspec(d.pullspec), `docker.io/library/busybox@${D}`);
  });

  it('skips the docker:// transport but not other schemes', () => {
    const line = 'skopeo inspect docker://quay.io/okd/scos-release:4.19.0-okd-scos.0';
    assert.equal(detectPullspec(line, line.indexOf('quay'))?.start, line.indexOf('quay'));
    assert.equal(detectPullspec(line, line.indexOf('docker://')), undefined);
    assert.equal(detectPullspec('oci://quay.io/okd/scos-release:4.19', 10), undefined);
    assert.equal(detectPullspec('docker://docker://quay.io/a/b:1', 20), undefined);
  });

  it('answers nothing on whitespace, quotes and out-of-range offsets', () => {
    const line = '  image: "quay.io/a/b:1"  ';
    assert.equal(detectPullspec(line, 0), undefined);
    assert.equal(detectPullspec(line, line.indexOf('"')), undefined);
    assert.equal(detectPullspec(line, line.length), undefined);
    assert.equal(detectPullspec(line, -1), undefined);
    assert.equal(detectPullspec('', 0), undefined);
  });

  it('bounds the work on a long minified line', () => {
    const line = `${'a'.repeat(200_000)} quay.io/a/b:1`;
    assert.equal(detectPullspec(line, 100_000), undefined);
    assert.equal(detectPullspec(line, line.length - 3)?.text, 'quay.io/a/b:1');
  });
});
