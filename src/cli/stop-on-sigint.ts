// The CLI owns Ctrl-C: the first SIGINT asks the run to stop after its current step (it then
// writes a checkpoint and returns normally); a second one quits at once with 130.
export function stopOnSigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort('SIGINT');
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
