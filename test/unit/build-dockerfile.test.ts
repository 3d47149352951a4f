import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { finalBaseImage, parseFromInstructions, rewriteDockerfile } from '../../src/core/build/dockerfile';

const OPERATOR = `ARG BASE=registry.ci.openshift.org/ocp/4.20:base-rhel9
FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.24-openshift-4.20 AS builder
WORKDIR /go/src/github.com/openshift/cluster-image-registry-operator
COPY . .
RUN make build TAGS=\${TAGS}

FROM --platform=linux/amd64 \${BASE}
COPY --from=builder /go/src/github.com/openshift/cluster-image-registry-operator/cluster-image-registry-operator /usr/bin/
ENTRYPOINT ["/usr/bin/cluster-image-registry-operator"]
`;

describe('Dockerfile FROM handling', () => {
  it('parses stages with flags and names', () => {
    assert.deepEqual(parseFromInstructions(OPERATOR), [
      { line: 1, flags: [], image: 'registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.24-openshift-4.20', stage: 'builder' },
      { line: 6, flags: ['--platform=linux/amd64'], image: '${BASE}' },
    ]);
  });

  it('finds the final base with ARG defaults and build args', () => {
    assert.equal(finalBaseImage(OPERATOR), 'registry.ci.openshift.org/ocp/4.20:base-rhel9');
    assert.equal(finalBaseImage(OPERATOR, { BASE: 'quay.io/x/y:z' }), 'quay.io/x/y:z');
    assert.equal(finalBaseImage('FROM golang AS b\nFROM b\n'), undefined);
    assert.equal(finalBaseImage('FROM scratch\n'), undefined);
  });

  it('replaces the final base and the builder, keeping flags, stage names and line numbers', () => {
    const out = rewriteDockerfile(OPERATOR, { baseImage: 'registry.ci.openshift.org/origin/scos-4.20:base-stream9', builderImage: 'quay.io/me/golang:1.24' });
    const lines = out.split('\n');
    assert.equal(lines[1], 'FROM quay.io/me/golang:1.24 AS builder');
    assert.equal(lines[6], 'FROM --platform=linux/amd64 registry.ci.openshift.org/origin/scos-4.20:base-stream9');
    assert.equal(lines.length, OPERATOR.split('\n').length);
    assert.equal(rewriteDockerfile(OPERATOR, {}), OPERATOR);
  });

  it('leaves stages built from other stages alone, and handles continuation lines', () => {
    const text = 'FROM golang:1.22 AS build\nFROM build AS test\nFROM \\\n  quay.io/base:1 \\\n  AS final\nCOPY --from=build /x /x\n';
    const out = rewriteDockerfile(text, { baseImage: 'new/base:2', builderImage: 'new/go:1' });
    assert.equal(out, 'FROM new/go:1 AS build\nFROM build AS test\nFROM new/base:2 AS final\n\n\nCOPY --from=build /x /x\n');
  });
});
