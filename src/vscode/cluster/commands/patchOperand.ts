import vscode = require('vscode');
import { CancelledError } from '../../../core/cancel';
import type { ClusterClient } from '../../../core/cluster/client';
import { patchOperand, planComponentPatch, renderOperandPlan, waitForOperandRollout } from '../../../core/cluster/operandPatch';
import { OkdError } from '../../../core/errors';
import { withClusterProgress } from '../progress';
import { payloadOptions, rolloutTimeoutMs } from '../settings';
import type { ClusterContext } from './types';

export interface OperandPatchOutcome {
  component: string;
  image: string;
  objects: number;
  rollout: 'complete' | 'failed' | 'not-waited';
  operands: string[];
  reason?: string;
}

/**
 * okd.patchOperator for an operand (`{operator, image}` naming a component its operators take from env, args or a
 * ConfigMap): the plan in the confirmation, then the patch and the rollouts. Undefined when the component is not an
 * operand (the operator flow goes on).
 */
export async function patchIfOperand(context: ClusterContext, client: ClusterClient, component: string, image: string, options: Record<string, unknown> | undefined): Promise<OperandPatchOutcome | undefined> {
  const { services, model } = context;
  const planned = await withClusterProgress(`Preparing the patch of ${component}`, (report, token) => planComponentPatch(client, { ...payloadOptions(services, token), component, image, onStep: report }));
  if (planned.kind !== 'operand') return undefined;
  const { plan } = planned;
  if (options?.['confirm'] !== false) {
    const choice = await vscode.window.showWarningMessage(`Patch operand ${component} in cluster ${client.context}?`, { modal: true, detail: renderOperandPlan(plan) }, 'Patch');
    if (choice !== 'Patch') throw new CancelledError('the patch');
  }
  services.logger.info(`cluster: patch operand ${component} with ${plan.image} on ${client.server}`);
  const outcome = await withClusterProgress(`Patching ${component}`, async (report, token) => {
    const result = await patchOperand(client, plan, planned.references, { token, onStep: report });
    void model.reread();
    const base = { component, image: plan.image, objects: result.objects.length, operands: [] as string[] };
    if (options?.['wait'] === false) return { ...base, rollout: 'not-waited' } satisfies OperandPatchOutcome;
    try {
      const done = await waitForOperandRollout(client, plan, { timeoutMs: rolloutTimeoutMs(), token, onStep: report, onProgress: (p) => report(`rollout: ${p.message}`) });
      return { ...base, operands: done.operands, rollout: 'complete' } satisfies OperandPatchOutcome;
    } catch (err) {
      if (!(err instanceof OkdError)) throw err;
      return { ...base, rollout: 'failed', reason: err.message } satisfies OperandPatchOutcome;
    }
  });
  void model.reread();
  if (outcome.rollout === 'failed') void vscode.window.showErrorMessage(`Rollout of ${component} failed: ${outcome.reason ?? 'unknown reason'}. The patch stays in place.`);
  else void vscode.window.showInformationMessage(`${component} now names ${plan.image} in ${outcome.objects} object(s)${outcome.rollout === 'complete' ? ': rollout complete' : ''}.`);
  return outcome;
}
