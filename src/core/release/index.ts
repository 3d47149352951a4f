// The release model, parsers, diff and rendering. The reader and cache are imported from their own modules.
export * from './model';
export * from './imageReferences';
export * from './metadata';
export * from './operators';
export * from './diff';
export * from './render';
