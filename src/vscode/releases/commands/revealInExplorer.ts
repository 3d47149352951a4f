import { OkdError } from '../../../core/errors';
import type { ReleaseCommand } from './types';

/**
 * okd.revealInExplorer ({release: pullspec, component?: name}, or a pullspec): shows the release in the Release
 * Explorer (pinning it when no source lists it), and the component's image under Images when given. Hovers link here.
 */
export const revealInExplorer: ReleaseCommand = {
  id: 'okd.revealInExplorer',
  async run(explorer, arg) {
    let release: unknown;
    let component: unknown;
    if (typeof arg === 'string') release = arg;
    else if (typeof arg === 'object' && arg !== null) ({ release, component } = arg as { release?: unknown; component?: unknown });
    if (typeof release !== 'string' || !release) throw new OkdError('invalid-input', 'Reveal in Release Explorer needs {release: <pullspec>, component?: <name>}');
    const node = await explorer.reveal(release, typeof component === 'string' && component ? component : undefined);
    return node.id;
  },
};
