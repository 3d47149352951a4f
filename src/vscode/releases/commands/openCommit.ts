import vscode = require('vscode');
import { OkdError } from '../../../core/errors';
import { commitUrl } from '../../../core/release/imageReferences';
import type { Component } from '../../../core/release/model';
import { asNode } from '../args';
import type { ReleaseCommand } from './types';

/** okd.openCommit (image or container, or {release, component}): opens the source commit in the browser. */
export const openCommit: ReleaseCommand = {
  id: 'okd.openCommit',
  async run(explorer, arg) {
    const node = asNode(arg) ?? explorer.view.selection[0];
    let component: Component | undefined;
    let version = '';
    if (node?.kind === 'image') {
      component = node.component;
      version = node.release.version;
    } else if (node?.kind === 'container') {
      const name = node.container.component;
      component = name ? node.release.components.find((c) => c.name === name) : undefined;
      version = node.release.version;
      if (!component) throw new OkdError('not-found', `container ${node.container.name} runs ${node.container.image}, which is not an image of release ${version}`);
    } else if (typeof arg === 'object' && arg !== null && typeof (arg as { release?: unknown }).release === 'string') {
      const { release: pullSpec, component: name } = arg as { release: string; component?: string };
      const release = await explorer.loadRelease(pullSpec);
      component = release.components.find((c) => c.name === name);
      version = release.version;
      if (!component) throw new OkdError('not-found', `release ${version} has no image named ${String(name)}`);
    }
    if (!component) throw new OkdError('invalid-input', 'Open Source Commit works on an image or a container of the Release Explorer');
    const url = component.commitUrl ?? commitUrl(component.source, component.commit);
    if (!url) {
      throw new OkdError(
        'not-found',
        `image ${component.name} of ${version} has no GitHub commit (commit "${component.commit}", source "${component.source}")`,
        'its io.openshift.build.commit.id or io.openshift.build.source-location annotation is empty or not on github.com',
      );
    }
    explorer.services.logger.info(`okd.openCommit: ${url}`);
    await vscode.env.openExternal(vscode.Uri.parse(url));
    return url;
  },
};
