import { OkdError } from '../errors';
import type { LabelSelector } from './types';

/**
 * A `spec.selector` as the `labelSelector` query a LIST takes, the way apimachinery's LabelSelectorAsSelector
 * writes it: `key=value` for matchLabels, `key in (a,b)`, `key notin (a,b)`, `key` (Exists) and `!key`
 * (DoesNotExist) for matchExpressions, requirements sorted by key and values sorted. An empty selector selects
 * everything (''), as it does for the API server. Pure.
 */
export function labelSelectorString(selector: LabelSelector | undefined, what = 'the selector'): string {
  const requirements: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) requirements.push({ key, text: `${key}=${value}` });
  for (const expression of selector?.matchExpressions ?? []) {
    const { key, operator } = expression;
    const values = [...new Set(expression.values ?? [])].sort();
    switch (operator) {
      case 'In':
      case 'NotIn':
        if (!values.length) throw new OkdError('invalid-input', `${what} has a matchExpression "${key} ${operator}" without values`);
        requirements.push({ key, text: `${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})` });
        break;
      case 'Exists':
        requirements.push({ key, text: key });
        break;
      case 'DoesNotExist':
        requirements.push({ key, text: `!${key}` });
        break;
      default:
        throw new OkdError('invalid-input', `${what} has a matchExpression with the operator "${operator}", which is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)`);
    }
  }
  // A stable sort by key: matchLabels before the expressions of the same key, as apimachinery orders them.
  return requirements
    .map((r, i) => ({ ...r, i }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i))
    .map((r) => r.text)
    .join(',');
}
