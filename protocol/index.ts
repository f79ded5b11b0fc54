// The vocabulary the extension (client/) and the language server (server/,
// src/workspace) share: message names and shapes, quick-fix data, and the rule
// for which files are configs. It imports nothing, so both sides can use it.

export * from './config-file-rule';
export * from './quick-fix-data';
export * from './requests';
