// Pullspec hovers without VS Code: find the pullspec under the cursor, look it up in the release index, render.
export * from './detect';
export * from './lookup';
export * from './content';
export * from './tags';
