import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failedCreateSelector, type KubeEvent, latestCreateFailure } from '../../src/core/cluster/createFailures';
import { daemonSetRolloutState } from '../../src/core/cluster/rollout';
import type { DaemonSet } from '../../src/core/cluster/types';

const event = (name: string, at: string, message: string, reason = 'FailedCreate'): KubeEvent => ({ metadata: { name }, reason, message, lastTimestamp: at });

describe('a DaemonSet controller\'s FailedCreate Events', () => {
  it('the newest one since the wait began wins; older ones (an earlier rollout) and other reasons do not count', () => {
    const since = Date.parse('2026-12-03T10:00:00Z');
    const events = [
      event('old', '2026-12-03T09:59:00Z', 'from an earlier rollout'),
      event('a', '2026-12-03T10:00:05Z', 'Error creating: first'),
      event('b', '2026-12-03T10:00:09Z', 'Error creating: newest'),
      event('c', '2026-12-03T10:00:10Z', 'Created pod: x', 'SuccessfulCreate'),
    ];
    assert.equal(latestCreateFailure(events, since), 'Error creating: newest');
    assert.equal(latestCreateFailure([events[0] as KubeEvent], since), undefined);
    // The events.k8s.io fields: a series' last observation is when it last happened.
    assert.equal(latestCreateFailure([{ metadata: { name: 's' }, reason: 'FailedCreate', message: 'series', lastTimestamp: null, eventTime: '2026-12-03T09:00:00Z', series: { lastObservedTime: '2026-12-03T10:01:00Z' } }], since), 'series');
  });

  it('selects by kind, name, uid and reason, as the API server indexes events', () => {
    assert.equal(failedCreateSelector('DaemonSet', 'agent', 'u-1'), 'involvedObject.kind=DaemonSet,involvedObject.name=agent,involvedObject.uid=u-1,reason=FailedCreate');
  });

  it('fails the rollout only once the controller has seen the spec and the rollout is not done', () => {
    const daemon = (status: object, generation = 1): DaemonSet => ({
      metadata: { name: 'agent', namespace: 'ns', generation },
      spec: { selector: { matchLabels: { app: 'agent' } }, updateStrategy: { type: 'RollingUpdate' }, template: { spec: { containers: [{ name: 'agent', image: 'img' }] } } },
      status: { observedGeneration: 1, ...status },
    } as DaemonSet);
    const stuck = daemonSetRolloutState(daemon({ desiredNumberScheduled: 1, updatedNumberScheduled: 0, numberAvailable: 0 }), [], {}, 'Error creating: quota');
    assert.equal(stuck.state, 'failed');
    assert.equal(stuck.state === 'failed' && stuck.reason, 'rollout of DaemonSet ns/agent failed: FailedCreate: Error creating: quota');
    const unseen = daemonSetRolloutState(daemon({ desiredNumberScheduled: 1 }, 2), [], {}, 'Error creating: quota');
    assert.equal(unseen.state, 'progressing');
    const done = daemonSetRolloutState(daemon({ desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1 }), [], {}, 'Error creating: quota');
    assert.equal(done.state, 'complete');
  });
});
