import vscode = require('vscode');
import { describeError } from '../core/errors';
import { formatPullspec, parsePullspec } from '../core/pullspec';

export interface PullspecItem extends vscode.QuickPickItem {
  /** '' for a row that cannot be chosen (the reason a typed text is not a pullspec). */
  pullSpec: string;
}

/**
 * Shows `pick` with its items, plus the text typed into the box as one more choice when it looks like a pullspec
 * (has a '/'; otherwise typing only filters), or the reason it is not one. Resolves to the chosen pullspec, or
 * undefined when dismissed. `items` is read on every keystroke, so a caller may fill it in later.
 */
export function choosePullspec<T extends PullspecItem>(pick: vscode.QuickPick<T>, items: () => T[], onClose?: () => void): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve) => {
    let done = false;
    const finish = (value: string | undefined) => {
      if (done) return;
      done = true;
      onClose?.();
      resolve(value);
      pick.dispose();
    };
    pick.onDidChangeValue((value) => {
      const text = value.trim();
      const typed: PullspecItem[] = [];
      if (text.includes('/') && !items().some((i) => i.pullSpec === text)) {
        try {
          typed.push({ pullSpec: formatPullspec(parsePullspec(text)), label: text, description: 'the pullspec typed', alwaysShow: true });
        } catch (err) {
          typed.push({ pullSpec: '', label: `$(error) ${describeError(err)}`, alwaysShow: true });
        }
      }
      pick.items = [...(typed as T[]), ...items()];
    });
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0];
      if (chosen?.pullSpec) finish(chosen.pullSpec);
    });
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}
