import vscode = require('vscode');
import { OkdError } from '../../../core/errors';
import { asNode } from '../args';
import type { ReleaseCommand } from './types';

/** Writes to the clipboard, says so in the status bar, and returns the text (for callers and tests). */
export async function copy(text: string, what: string): Promise<string> {
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(`$(copy) Copied ${what}: ${text}`, 4000);
  return text;
}

/** okd.copyPullspec: the pullspec as listed (tag form) of a release, or the pullspec of an image or container. */
export const copyPullspec: ReleaseCommand = {
  id: 'okd.copyPullspec',
  async run(explorer, arg) {
    const node = asNode(arg) ?? explorer.view.selection[0];
    if (typeof arg === 'string') return copy(arg, 'pullspec');
    switch (node?.kind) {
      case 'release':
        return copy(node.pullSpec, 'release pullspec');
      case 'image':
        return copy(node.component.pullSpec, `pullspec of ${node.component.name}`);
      case 'container':
        return copy(node.container.image, `image of ${node.container.name}`);
      default:
        throw new OkdError('invalid-input', 'Copy Pullspec works on a release, an image or a container of the Release Explorer');
    }
  },
};
